"""The database: SQLite in one file (the embedded default) or PostgreSQL, one migration history.

``open_database(settings)`` picks the engine from ``DATABASE_URL``: ``postgresql://...`` (or
``postgres://``) is PostgreSQL (``backend.db.postgres``: psycopg 3 and its pool), anything
else (a path, ``sqlite:///path``) is the SQLite file below. Both give the same API to the code
that uses them: ``with database.connection() as conn``, ``conn.execute(sql, params)`` with ``?``
placeholders and rows readable by name and by index, and ``Database.transaction(conn)``. The
SQL in ``crud.py``/``chat_crud.py`` is plain portable SQL and runs unchanged on both.

SQLite durability: every write is a single autocommit statement (or an explicit transaction)
that is committed *before* the route returns, and the connections run with
``synchronous=FULL``. In WAL mode that fsyncs the write-ahead log on every commit, so a booking
answered with 201 survives a crash of the process *and* of the machine (power loss).
``synchronous=NORMAL`` would be faster but, in WAL mode, may lose the last commits on power loss
(they survive an application crash only), which is not what a 201 promises. (PostgreSQL: every
connection runs with ``synchronous_commit=on``, the same promise.)

Why a pool rather than a connection per request: when the last connection to a WAL database
closes, SQLite checkpoints and deletes the WAL file; opening and closing per request would do
that on every booking. Idle connections are kept (up to ``max_idle``) and reused.

Migrations: ``MIGRATIONS`` below is the one history of both engines, applied at start-up by
whichever process gets there first while the others wait: SQLite takes ``BEGIN IMMEDIATE`` and
records the version in ``PRAGMA user_version``; PostgreSQL takes ``pg_advisory_xact_lock`` and
records it in a ``schema_migrations`` table, each in one transaction with the DDL. A database
newer than this code is refused (``SchemaTooNew``). The statements are written in the SQL both
engines share; the only words PostgreSQL reads differently (``INTEGER`` is 64-bit in SQLite, so
it becomes ``BIGINT``, and ``INTEGER PRIMARY KEY`` an identity column) are translated in one
function, ``backend.db.postgres.ddl``.

Errors a route may meet, whatever the engine (``backend.core.errors`` maps them)::

    UNAVAILABLE_ERRORS      locked, busy, connection lost, pool exhausted  → 503 + Retry-After
    INVALID_VALUE_ERRORS    a value the database cannot store (PostgreSQL) → 422
    INTEGRITY_ERRORS        a UNIQUE constraint stopped a racing twin      (handled in the SQL code)

Example::

    database = open_database(Settings(DATABASE_URL="var/bookings.sqlite3"))
    database.migrate()
    with database.connection() as conn:
        conn.execute("SELECT count(*) FROM bookings").fetchone()[0]
    database.close()
"""

from __future__ import annotations

import queue
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from backend.core.config import Settings

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
SCHEMA_VERSION = len(MIGRATIONS)
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class SchemaTooNew(RuntimeError):
    """The database was migrated by newer code than this: refuse to run rather than guess."""

    def __init__(self, where: str, version: int) -> None:
        super().__init__(f"{where}: the database schema is version {version}, newer than this code "
                         f"(which knows up to {SCHEMA_VERSION}); run the newer code or restore a backup.")
        self.version = version


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """What the SQL code may use: ``sqlite3.Connection`` has it, so does the PostgreSQL wrapper."""

    @property
    def in_transaction(self) -> bool: ...

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...

    def rollback(self) -> None: ...


def _error_classes() -> tuple[tuple[type[BaseException], ...], ...]:
    unavailable: tuple[type[BaseException], ...] = (sqlite3.OperationalError,)
    invalid: tuple[type[BaseException], ...] = ()
    integrity: tuple[type[BaseException], ...] = (sqlite3.IntegrityError,)
    try:
        import psycopg
    except ImportError:  # SQLite-only installs need no psycopg
        return unavailable, invalid, integrity
    # psycopg.OperationalError covers a lost connection, a server shutting down, serialization
    # failures and deadlocks (TransactionRollback) and the pool's PoolTimeout/PoolClosed.
    return (unavailable + (psycopg.OperationalError,), invalid + (psycopg.DataError,),
            integrity + (psycopg.IntegrityError,))


UNAVAILABLE_ERRORS, INVALID_VALUE_ERRORS, INTEGRITY_ERRORS = _error_classes()


def is_postgres_url(url: str) -> bool:
    return url.startswith(POSTGRES_SCHEMES)


def open_database(settings: Settings) -> Database:
    """The engine ``settings.database_url`` names, not yet migrated (call ``migrate()``)."""
    if is_postgres_url(settings.database_url):
        from backend.db.postgres import PostgresDatabase  # only PostgreSQL needs psycopg

        return PostgresDatabase(settings.database_url, pool_size=settings.db_pool_size,
                                pool_timeout=settings.db_pool_timeout)
    return Database(settings.database_path)


class Database:
    """A SQLite file and a pool of connections to it (safe to share between threads).

    Also the API every engine keeps: ``backend.db.postgres.PostgresDatabase`` subclasses it.
    """

    engine = "sqlite"
    several_processes = False  # long-poll wake-ups live in one process (backend.services.notify)

    def __init__(self, path: Path, *, busy_timeout_s: float = 5.0, max_idle: int = 16) -> None:
        self.path = path
        self.busy_timeout_s = busy_timeout_s
        self.max_idle = max_idle
        self._idle: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._closed = False

    def _open(self) -> sqlite3.Connection:
        # isolation_level=None: autocommit; each statement commits on its own unless we BEGIN.
        # check_same_thread=False: FastAPI may run a dependency and its route in different
        # worker threads; a connection is only ever used by one request at a time.
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None,
                               check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA synchronous = FULL")
        return conn

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """Borrow a connection; it goes back to the pool (rolled back if left mid-transaction)."""
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = self._open()
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.rollback()
            if self._closed or self._idle.qsize() >= self.max_idle:
                conn.close()
            else:
                self._idle.put(conn)

    def migrate(self) -> int:
        """Create the file (and its directory), switch it to WAL, bring the schema up to date."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connection() as conn:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise RuntimeError(f"{self.path}: SQLite refused WAL mode (journal_mode={mode})")
            conn.execute("BEGIN IMMEDIATE")  # one process migrates; others wait, then see it done
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise SchemaTooNew(str(self.path), version)
            for number in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[number - 1]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
            return SCHEMA_VERSION

    def check(self) -> bool:
        """True when the file answers a query on the bookings table (for /api/health)."""
        try:
            with self.connection() as conn:
                conn.execute("SELECT 1 FROM bookings LIMIT 1").fetchall()
            return True
        except sqlite3.Error:
            return False

    @staticmethod
    @contextmanager
    def transaction(conn: Connection) -> Iterator[Connection]:
        """BEGIN IMMEDIATE … COMMIT (ROLLBACK on error): the write lock is taken up front, so two
        writers never both read-then-write on a stale view (PostgreSQL reads it as a plain BEGIN:
        READ COMMITTED + row locks; the SQL code is written to be right under both)."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return
