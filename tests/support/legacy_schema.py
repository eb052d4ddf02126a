"""The schema as the code before Alembic made it, frozen: to build "today's database" in a test.

``MIGRATIONS`` is that code's one history (SQLite's SQL; ``ddl`` is how it read on PostgreSQL), and
``make_legacy`` builds a database at version ``n`` with it and records the version the way that code
did (``PRAGMA user_version``, or a ``schema_migrations`` row), so a test can check that the backend
adopts such a database without losing a row.

Example::

    make_legacy(path_or_url, 3)      # what a server of the previous release left behind
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

# Migration N (1-based) brings the schema from user_version N-1 to N. Append, never edit.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """
        CREATE TABLE bookings (
            seq             INTEGER PRIMARY KEY,        -- insertion order, breaks created_at ties
            id              TEXT    NOT NULL UNIQUE,    -- public id, 'bk_' + random token
            idempotency_key TEXT    NOT NULL UNIQUE,    -- one booking per key, enforced here
            request_hash    TEXT    NOT NULL,           -- sha256 of the canonical request body
            customer_id     TEXT    NOT NULL,
            therapist_id    TEXT    NOT NULL,
            created_at      INTEGER NOT NULL,           -- epoch milliseconds
            booking_json    TEXT    NOT NULL            -- the validated BookingRequest
        )
        """,
        "CREATE INDEX bookings_by_customer ON bookings (customer_id, created_at)",
        "CREATE INDEX bookings_by_time ON bookings (created_at)",
    ),
    (   # 2: the two-sided chat (customers own their ids, therapists sign in with tokens).
        """
        CREATE TABLE customers (
            customer_id TEXT    PRIMARY KEY,
            token_hash  TEXT    NOT NULL,               -- sha256 of the first bearer token seen
            created_at  INTEGER NOT NULL
        )
        """,
        """
        CREATE TABLE therapist_tokens (
            token_hash   TEXT    PRIMARY KEY,           -- sha256; the token itself is never stored
            therapist_id TEXT    NOT NULL,
            created_at   INTEGER NOT NULL,
            revoked_at   INTEGER                        -- NULL while the token is valid
        )
        """,
        "CREATE INDEX therapist_tokens_by_therapist ON therapist_tokens (therapist_id)",
        """
        CREATE TABLE conversations (
            session_id       TEXT    PRIMARY KEY,       -- session_<therapist_id>_<customer_id>
            therapist_id     TEXT    NOT NULL,
            customer_id      TEXT    NOT NULL,
            customer_name    TEXT,                      -- from the latest booking, NULL before one
            created_at       INTEGER NOT NULL,
            last_activity    INTEGER NOT NULL,          -- epoch ms of the last message or booking
            last_message     TEXT    NOT NULL DEFAULT '',
            last_sender_type TEXT,
            last_seq         INTEGER NOT NULL DEFAULT 0, -- the newest message's seq
            read_through     INTEGER NOT NULL DEFAULT 0, -- customer messages up to here are read
            version          INTEGER NOT NULL DEFAULT 1  -- +1 on every change: the list's cursor
        )
        """,
        "CREATE INDEX conversations_by_therapist ON conversations (therapist_id, last_activity)",
        """
        CREATE TABLE messages (
            session_id  TEXT    NOT NULL,
            seq         INTEGER NOT NULL,               -- per conversation, from conversations.last_seq
            id          TEXT    NOT NULL,               -- the client's id: the idempotency key
            sender_type TEXT    NOT NULL,
            sender_id   TEXT    NOT NULL,
            message     TEXT    NOT NULL,
            timestamp   INTEGER NOT NULL,               -- the client's clock, epoch ms
            server_time INTEGER NOT NULL,
            PRIMARY KEY (session_id, seq),
            UNIQUE (session_id, id)                     -- exactly once per id, even under races
        )
        """,
    ),
    (   # 3: rate limits shared by every process (backend.services.ratelimit); tokens required on bookings.
        """
        CREATE TABLE rate_limits (
            bucket       TEXT    PRIMARY KEY,           -- <kind>:<client address>
            window_start INTEGER NOT NULL,              -- index of the fixed window being counted
            hits         INTEGER NOT NULL
        )
        """,
        # Customer ids that were used without a token (bookings before tokens were required) are
        # locked: no token may claim them now and read their bookings. The hash is not hex, so no
        # token's sha256 ever matches it.
        """
        INSERT INTO customers (customer_id, token_hash, created_at)
        SELECT DISTINCT customer_id, 'unclaimable', 0 FROM bookings
        WHERE customer_id NOT IN (SELECT customer_id FROM customers)
        """,
    ),
)
LEGACY_VERSION = len(MIGRATIONS)

_INTEGER_KEY = re.compile(r"\bINTEGER\s+PRIMARY\s+KEY\b", re.IGNORECASE)
_INTEGER = re.compile(r"\bINTEGER\b", re.IGNORECASE)


def ddl(statement: str) -> str:
    """A migration statement (written for both engines) as PostgreSQL must read it."""
    statement = _INTEGER_KEY.sub("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", statement)
    return _INTEGER.sub("BIGINT", statement)


def make_legacy(location: Path | str, version: int = LEGACY_VERSION) -> None:
    """Create the schema of the code before Alembic at ``version``, as that code recorded it."""
    if isinstance(location, str) and location.startswith(("postgresql://", "postgres://")):
        import psycopg

        with psycopg.connect(location, autocommit=True) as conn, conn.transaction():
            conn.execute("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY,"
                         " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            for number in range(1, version + 1):
                for statement in MIGRATIONS[number - 1]:
                    conn.execute(ddl(statement))  # type: ignore[call-overload]
                conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (number,))
        return
    with sqlite3.connect(location, isolation_level=None) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        for number in range(1, version + 1):
            for statement in MIGRATIONS[number - 1]:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version}")
