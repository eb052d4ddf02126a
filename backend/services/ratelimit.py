"""Per-client rate limits: a small port with two stores, and the guards the routes call.

A limit is ``limit`` hits per window of ``window_s`` seconds, per (kind, client). A bucket's window
starts at its first hit (not at a wall-clock boundary) and lasts ``window_s``; the first hit after
it ends starts the next one. So a client gets at most ``limit`` hits in any window it opened, and a
sequence of hits is counted the same whatever the minute it starts in. One row per bucket.

    RateLimiter (port)          hit(bucket, limit, window_s) -> seconds to wait, or None
                                peek(bucket, limit, window_s) -> the same, without counting
                                hit_unless_over(…) -> peek, then hit only when not over
    ├── MemoryRateLimiter       one process (tests, a single worker)
    └── DatabaseRateLimiter     the ``rate_limits`` table: every process sharing the database
                                shares the counters; one ``INSERT … ON CONFLICT … RETURNING`` per
                                hit (on SQLite the upsert, then a read), on a connection of its own
                                that commits without waiting for the disk (a counter need not
                                survive a power cut; a booking must), through the driver's own
                                cursor (``backend.db.engine.driver_cursor``: the hot path)

    Limits.check_write(request)       a booking or message: 429 + Retry-After when over
    Limits.check_auth_allowed(request, tried) before a token is checked: 429 once failures are over
    Limits.auth_failed(request, tried)        after a 401/403 on a token

Clients are addresses (an IPv6 one as its /64, ``backend.core.addresses``); failed token checks
count per client and token tried, so a valid token works while others fail from the same address.

Example::

    limits = Limits(MemoryRateLimiter(), settings)
    limits.check_write(request)        # raises ApiError(429, headers={"Retry-After": "17"})
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

from fastapi import Request
from sqlalchemy import text

from backend.core.config import Settings
from backend.core.errors import ApiError
from backend.db.engine import Database, DriverRun, DriverSql, driver_cursor, make_engine, one_writer
from backend.core.addresses import client_of

Clock = Callable[[], float]


class RateLimiter(Protocol):
    def hit(self, bucket: str, limit: int, window_s: float) -> float | None: ...
    def peek(self, bucket: str, limit: int, window_s: float) -> float | None: ...
    def hit_unless_over(self, bucket: str, limit: int, window_s: float) -> float | None: ...


def _verdict(started: float, hits: int, limit: int, window_s: float, now: float) -> float | None:
    """Seconds until the window that began at ``started`` ends, when ``hits`` exceed ``limit``."""
    return max(0.001, started + window_s - now) if hits > limit else None


class MemoryRateLimiter:
    def __init__(self, clock: Clock = time.time) -> None:
        self._clock = clock
        self._counts: dict[str, tuple[float, int]] = {}  # bucket → (window start, hits)
        self._lock = threading.Lock()

    def _count(self, bucket: str, window_s: float, add: int) -> tuple[float, int, float]:
        now = self._clock()
        with self._lock:
            started, hits = self._counts.get(bucket, (now, 0))
            if started <= now - window_s:  # that window is over: this hit opens the next one
                started, hits = now, 0
            hits += add
            if add:
                if len(self._counts) > 100_000:  # finished windows of gone clients: forget them at once
                    self._counts = {k: v for k, v in self._counts.items() if v[0] > now - window_s}
                self._counts[bucket] = (started, hits)
        return started, hits, now

    def hit(self, bucket: str, limit: int, window_s: float) -> float | None:
        started, hits, now = self._count(bucket, window_s, 1)
        return _verdict(started, hits, limit, window_s, now)

    def peek(self, bucket: str, limit: int, window_s: float) -> float | None:
        started, hits, now = self._count(bucket, window_s, 0)
        return _verdict(started, hits + 1, limit, window_s, now)

    def hit_unless_over(self, bucket: str, limit: int, window_s: float) -> float | None:
        return self.peek(bucket, limit, window_s) or self.hit(bucket, limit, window_s)


# One statement: atomic on SQLite and PostgreSQL alike, whoever else is counting (SET reads the
# old row). Times are epoch milliseconds.
_HIT = text(
    "INSERT INTO rate_limits (bucket, window_start, hits) VALUES (:bucket, :now, 1)"
    " ON CONFLICT (bucket) DO UPDATE SET"
    " hits = CASE WHEN rate_limits.window_start > :since THEN rate_limits.hits + 1 ELSE 1 END,"
    " window_start = CASE WHEN rate_limits.window_start > :since THEN rate_limits.window_start ELSE :now END"
    " RETURNING window_start, hits")
# SQLite's RETURNING keeps the statement (and so its write lock) open until Python has fetched the row
# and stepped it again, and a worker thread may wait several ms for the GIL in between, while every
# other writer waits for the lock. The upsert without RETURNING commits inside its one step, and the
# row is then read without a lock: the same counter, at most a concurrent hit of this bucket ahead.
_HIT_SQLITE = text(_HIT.text.removesuffix(" RETURNING window_start, hits"))
_READ = text("SELECT window_start, hits FROM rate_limits WHERE bucket = :bucket")
_PURGE = text("DELETE FROM rate_limits WHERE window_start <= :since")
_PEEK = text("SELECT window_start, hits FROM rate_limits WHERE bucket = :bucket AND window_start > :since")


class DatabaseRateLimiter:
    """Counters in ``rate_limits`` (bucket PRIMARY KEY, window_start, hits): one upsert per hit.

    Its connections are its own (a small pool, not the requests'): a route holding a connection
    never waits for a second one from the same pool to count a failure, and the counters commit
    without the fsync (SQLite ``synchronous=NORMAL``) or WAL flush wait (PostgreSQL
    ``synchronous_commit=off``) a booking pays."""

    PURGE_EVERY = 1000  # hits between deletions of rows from finished windows

    def __init__(self, database: Database, clock: Clock = time.time, pool_size: int | None = None) -> None:
        # As many as the requests' pool: every request may count at once (a smaller pool queues them).
        self._engine = make_engine(database.location, pool_size=pool_size or database.pool_size,
                                   pool_timeout=database.pool_timeout, durable=False)
        self._sqlite = database.engine == "sqlite"
        self._sql = {statement: DriverSql(self._engine, statement)
                     for statement in (_HIT, _HIT_SQLITE, _READ, _PEEK, _PURGE)}
        self._clock = clock
        self._hits_since_purge = 0

    def hit(self, bucket: str, limit: int, window_s: float) -> float | None:
        now = self._clock()
        with driver_cursor(self._engine) as run:  # twice per write request: the driver's own cursor
            return self._hit(run, bucket, limit, window_s, now)

    def peek(self, bucket: str, limit: int, window_s: float) -> float | None:
        now = self._clock()
        with driver_cursor(self._engine) as run:
            return self._peek(run, bucket, limit, window_s, now)

    def hit_unless_over(self, bucket: str, limit: int, window_s: float) -> float | None:
        """``peek``, then ``hit`` only when not over: on one pooled connection (one checkout, and on
        PostgreSQL one ping, fewer per write request)."""
        now = self._clock()
        with driver_cursor(self._engine) as run:
            return self._peek(run, bucket, limit, window_s, now) or self._hit(run, bucket, limit, window_s, now)

    def _hit(self, run: DriverRun, bucket: str, limit: int, window_s: float, now: float) -> float | None:
        now_ms, window_ms = int(now * 1000), int(window_s * 1000)
        values = {"bucket": bucket, "now": now_ms, "since": now_ms - window_ms}
        if self._sqlite:
            with one_writer(self._engine):  # the upsert takes SQLite's write lock: queue with the bookings
                run(self._sql[_HIT_SQLITE], values)
            row = run(self._sql[_READ], {"bucket": bucket})
        else:
            row = run(self._sql[_HIT], values)
        self._hits_since_purge += 1
        if self._hits_since_purge >= self.PURGE_EVERY:
            self._hits_since_purge = 0
            run(self._sql[_PURGE], {"since": now_ms - window_ms})
        assert row is not None, "the upsert made or kept the row"
        window_start, hits = row
        return _verdict(window_start / 1000, hits, limit, window_s, now)

    def _peek(self, run: DriverRun, bucket: str, limit: int, window_s: float, now: float) -> float | None:
        now_ms, window_ms = int(now * 1000), int(window_s * 1000)
        row = run(self._sql[_PEEK], {"bucket": bucket, "since": now_ms - window_ms})
        if row is None:
            return None
        window_start, hits = row
        return _verdict(window_start / 1000, hits + 1, limit, window_s, now)

    def close(self) -> None:
        self._engine.dispose()


CLIENT_FAILURES_FACTOR = 10  # failed checks per client and window, with any tokens: this × the limit


def _too_many(wait: float, what: str) -> ApiError:
    return ApiError(429, f"Too many {what} from this address; try again in {math.ceil(wait)} s.",
                    headers={"Retry-After": str(max(1, math.ceil(wait)))})


class Limits:
    """The limits of ``Settings`` over one store (the app keeps one, ``app.state.limits``)."""

    def __init__(self, limiter: RateLimiter, settings: Settings) -> None:
        self.limiter = limiter
        self.settings = settings

    def _client(self, request: Request) -> str:
        return client_of(request.scope)

    def check_write(self, request: Request) -> None:
        bucket, limit, window = ("write:" + self._client(request), self.settings.rate_limit_writes,
                                 self.settings.rate_limit_window)
        # Over the limit already: refused with a read, so a flood past the limit writes nothing.
        wait = self.limiter.hit_unless_over(bucket, limit, window)
        if wait is not None:
            raise _too_many(wait, "bookings and messages")

    def _auth_bucket(self, request: Request, tried: str | None) -> str:
        # Failures count per client *and* what was tried: one abuser behind a carrier-grade NAT (or
        # a shared proxy) uses up the budget of the tokens it tries, never that of a customer's own.
        what = hashlib.sha256(tried.encode("utf-8", "replace")).hexdigest()[:16] if tried else "none"
        return f"auth:{self._client(request)}:{what}"

    def check_auth_allowed(self, request: Request, tried: str | None = None) -> None:
        """Before a token is checked: 429 once this client's failures with this token are over."""
        wait = self.limiter.peek(self._auth_bucket(request, tried), self.settings.rate_limit_auth_failures,
                                 self.settings.rate_limit_window)
        if wait is not None:
            raise _too_many(wait, "failed sign-ins")

    def auth_failed(self, request: Request, tried: str | None = None) -> None:
        """Count a 401/403; a client trying ever new tokens gets 429 (not 401) past ten times the limit
        (a valid token, never failing, is not held back by that)."""
        limit, window = self.settings.rate_limit_auth_failures, self.settings.rate_limit_window
        self.limiter.hit(self._auth_bucket(request, tried), limit, window)
        wait = self.limiter.hit(f"auth-any:{self._client(request)}", CLIENT_FAILURES_FACTOR * limit, window)
        if wait is not None:
            raise _too_many(wait, "failed sign-ins")


    def close(self) -> None:
        close = getattr(self.limiter, "close", None)
        if close is not None:
            close()


def limits_for(settings: Settings, database: Database) -> Limits:
    """The limits ``RATE_LIMIT_STORE`` asks for (``close()`` them with the app)."""
    store: RateLimiter = (DatabaseRateLimiter(database) if settings.rate_limit_store == "database"
                          else MemoryRateLimiter())
    return Limits(store, settings)


async def get_limits(request: Request) -> Limits:
    # async: an attribute read needs no worker thread (``backend.api.deps``)
    return request.app.state.limits
