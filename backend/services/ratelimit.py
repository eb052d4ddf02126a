"""Per-client rate limits: a small port with two stores, and the guards the routes call.

A limit is ``limit`` hits per fixed window of ``window_s`` seconds, per (kind, client). Fixed
windows are cheap (one row per client and kind) and hold the sustained rate exactly; a client
that saves its hits for the end of one window and the start of the next can get up to twice the
limit within one window's length, once.

    RateLimiter (port)          hit(bucket, limit, window_s) -> seconds to wait, or None
                                peek(bucket, limit, window_s) -> the same, without counting
    ├── MemoryRateLimiter       one process (tests, a single worker)
    └── DatabaseRateLimiter     the ``rate_limits`` table: every process sharing the database
                                shares the counters (plain SQL, ``INSERT ... ON CONFLICT``)

    Limits.check_write(request)       a booking or message: 429 + Retry-After when over
    Limits.check_auth_allowed(request) before a token is checked: 429 once failures are over
    Limits.auth_failed(request)        after a 401/403 on a token

Example::

    limits = Limits(MemoryRateLimiter(), settings)
    limits.check_write(request)        # raises ApiError(429, headers={"Retry-After": "17"})
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

from fastapi import Request

from backend.services.clients import client_of
from backend.core.config import Settings
from backend.db.engine import Database
from backend.core.errors import ApiError

Clock = Callable[[], float]


class RateLimiter(Protocol):
    def hit(self, bucket: str, limit: int, window_s: float) -> float | None: ...
    def peek(self, bucket: str, limit: int, window_s: float) -> float | None: ...


def _window(now: float, window_s: float) -> tuple[int, float]:
    """The window's index, and the seconds until the next one begins."""
    index = math.floor(now / window_s)
    return index, (index + 1) * window_s - now


class MemoryRateLimiter:
    def __init__(self, clock: Clock = time.time) -> None:
        self._clock = clock
        self._counts: dict[str, tuple[int, int]] = {}  # bucket → (window index, hits)
        self._lock = threading.Lock()

    def _count(self, bucket: str, window_s: float, add: int) -> tuple[int, float]:
        index, remaining = _window(self._clock(), window_s)
        with self._lock:
            seen, hits = self._counts.get(bucket, (index, 0))
            hits = (hits if seen == index else 0) + add
            if add:
                if len(self._counts) > 100_000:  # old windows of gone clients: forget them all at once
                    self._counts = {k: v for k, v in self._counts.items() if v[0] == index}
                self._counts[bucket] = (index, hits)
        return hits, remaining

    def hit(self, bucket: str, limit: int, window_s: float) -> float | None:
        hits, remaining = self._count(bucket, window_s, 1)
        return remaining if hits > limit else None

    def peek(self, bucket: str, limit: int, window_s: float) -> float | None:
        hits, remaining = self._count(bucket, window_s, 0)
        return remaining if hits >= limit else None


@contextmanager
def _not_durable(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A counter need not survive a power cut: on SQLite, commit it without the fsync that a
    booking's commit pays (WAL + synchronous=NORMAL), then give the pool its FULL connection back.
    (PostgreSQL's equivalent would be ``SET LOCAL synchronous_commit = off``.)"""
    if not isinstance(conn, sqlite3.Connection):
        yield conn
        return
    conn.execute("PRAGMA synchronous = NORMAL")
    try:
        yield conn
    finally:
        conn.execute("PRAGMA synchronous = FULL")


class DatabaseRateLimiter:
    """Counters in ``rate_limits`` (bucket PRIMARY KEY, window_start, hits): one upsert per hit."""

    PURGE_EVERY = 1000  # hits between deletions of rows from finished windows

    def __init__(self, database: Database, clock: Clock = time.time) -> None:
        self._database = database
        self._clock = clock
        self._hits_since_purge = 0

    def hit(self, bucket: str, limit: int, window_s: float) -> float | None:
        index, remaining = _window(self._clock(), window_s)
        with self._database.connection() as pooled, _not_durable(pooled) as conn:
            # One statement: atomic in SQLite and PostgreSQL alike, whoever else is counting.
            conn.execute(
                "INSERT INTO rate_limits (bucket, window_start, hits) VALUES (?, ?, 1)"
                " ON CONFLICT (bucket) DO UPDATE SET"
                " hits = CASE WHEN rate_limits.window_start = excluded.window_start"
                " THEN rate_limits.hits + 1 ELSE 1 END,"
                " window_start = excluded.window_start", (bucket, index))
            row = conn.execute("SELECT window_start, hits FROM rate_limits WHERE bucket = ?",
                               (bucket,)).fetchone()
            self._hits_since_purge += 1
            if self._hits_since_purge >= self.PURGE_EVERY:
                self._hits_since_purge = 0
                conn.execute("DELETE FROM rate_limits WHERE window_start < ?", (index - 1,))
        hits = row["hits"] if row is not None and row["window_start"] == index else 1
        return remaining if hits > limit else None

    def peek(self, bucket: str, limit: int, window_s: float) -> float | None:
        index, remaining = _window(self._clock(), window_s)
        with self._database.connection() as conn:
            row = conn.execute("SELECT window_start, hits FROM rate_limits WHERE bucket = ?",
                               (bucket,)).fetchone()
        hits = row["hits"] if row is not None and row["window_start"] == index else 0
        return remaining if hits >= limit else None


def _too_many(wait: float, what: str) -> ApiError:
    return ApiError(429, f"Too many {what} from this address; try again in {math.ceil(wait)} s.",
                    headers={"Retry-After": str(max(1, math.ceil(wait)))})


class Limits:
    """The limits of ``Settings`` over one store (the app keeps one, ``app.state.limits``)."""

    def __init__(self, limiter: RateLimiter, settings: Settings) -> None:
        self.limiter = limiter
        self.settings = settings

    def _client(self, request: Request) -> str:
        return client_of(request.scope, self.settings.proxy_networks)

    def check_write(self, request: Request) -> None:
        bucket, limit, window = ("write:" + self._client(request), self.settings.rate_limit_writes,
                                 self.settings.rate_limit_window)
        # Over the limit already: refused with a read, so a flood past the limit writes nothing.
        wait = self.limiter.peek(bucket, limit, window)
        if wait is None:
            wait = self.limiter.hit(bucket, limit, window)
        if wait is not None:
            raise _too_many(wait, "bookings and messages")

    def check_auth_allowed(self, request: Request) -> None:
        wait = self.limiter.peek("auth:" + self._client(request), self.settings.rate_limit_auth_failures,
                                 self.settings.rate_limit_window)
        if wait is not None:
            raise _too_many(wait, "failed sign-ins")

    def auth_failed(self, request: Request) -> None:
        self.limiter.hit("auth:" + self._client(request), self.settings.rate_limit_auth_failures,
                         self.settings.rate_limit_window)


def limits_for(settings: Settings, database: Database) -> Limits:
    store: RateLimiter = (DatabaseRateLimiter(database) if settings.rate_limit_store == "database"
                          else MemoryRateLimiter())
    return Limits(store, settings)


def get_limits(request: Request) -> Limits:
    return request.app.state.limits
