"""The database: a SQLAlchemy 2 Core engine on a SQLite file (the default) or PostgreSQL (psycopg 3).

SQLAlchemy gives the pool, the dialects, parameters (``text("… WHERE id = :id")``) and rows
(``row.id``, ``row[0]``); this module only says how our two engines must behave:

    connection()              driver autocommit: each statement commits on its own (a 201 is durable
                              when the statement returns), until a ``transaction`` says otherwise
    transaction(conn)         BEGIN IMMEDIATE on SQLite (the write lock up front, so two writers never
                              read-then-write a stale view), plain BEGIN on PostgreSQL (READ COMMITTED:
                              writers meet on row locks and UNIQUE constraints); COMMIT or ROLLBACK
    snapshot(conn)            a read-only snapshot: BEGIN (deferred, no lock) on SQLite, REPEATABLE READ
                              on PostgreSQL

SQLite durability: WAL + ``synchronous=FULL`` on every connection, so a commit has fsynced the WAL
and survives a power cut (NORMAL may lose the last commits then). PostgreSQL: every connection runs
with ``synchronous_commit=on``, the same promise. Both are pool ``connect`` events; the driver is left
in autocommit and ``transaction``/``snapshot`` send their BEGIN themselves (no engine event: one would
slow every statement), the driver's commit() or rollback() ending it.

Why a pool on SQLite too: when the last connection to a WAL database closes, SQLite checkpoints and
deletes the WAL file; opening and closing per request would do that on every booking.

Errors: ``backend.db.errors`` says which ones are "busy or gone, retry" (503) and which are bugs.

Example::

    database = open_database(Settings(DATABASE_URL="var/bookings.sqlite3"))
    database.migrate()
    with database.connection() as conn:
        conn.execute(text("SELECT count(*) FROM bookings")).scalar_one()
        with transaction(conn):
            conn.execute(text("INSERT INTO ..."), {...})
    database.close()
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, TextClause, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SqlTimeoutError

from backend.core.database_url import DatabaseUrl
from backend.db.errors import INTEGRITY_ERRORS, INVALID_VALUE_ERRORS, is_unavailable

if TYPE_CHECKING:
    from backend.core.config import Settings

__all__ = ["INTEGRITY_ERRORS", "INVALID_VALUE_ERRORS", "Connection", "Database", "DriverRun", "DriverSql", "driver_cursor",
           "is_unavailable", "one_writer", "open_database", "snapshot", "transaction"]

log = logging.getLogger(__name__)
_BEGIN_SQL = {
    ("sqlite", "write"): "BEGIN IMMEDIATE", ("sqlite", "read"): "BEGIN",
    ("postgresql", "write"): "BEGIN", ("postgresql", "read"): "BEGIN ISOLATION LEVEL REPEATABLE READ",
}


def make_engine(url: DatabaseUrl, *, pool_size: int = 10, pool_timeout: float = 5.0,
                durable: bool = True) -> Engine:
    """A SQLAlchemy engine for ``url`` with our connection settings; ``durable=False`` is for
    counters that need not survive a power cut (no fsync on SQLite, no wait for the WAL flush on
    PostgreSQL)."""
    if url.engine == "sqlite":
        engine = create_engine(url.sqlalchemy, isolation_level="AUTOCOMMIT", pool_size=pool_size,
                               max_overflow=64, pool_timeout=pool_timeout,
                               # one request at a time uses a connection, maybe across worker threads
                               connect_args={"timeout": WRITER_WAIT_S, "check_same_thread": False})
        synchronous = "FULL" if durable else "NORMAL"

        @event.listens_for(engine, "connect")
        def _sqlite_settings(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.execute(f"PRAGMA synchronous = {synchronous}")
    else:
        commit = "on" if durable else "off"
        engine = create_engine(url.sqlalchemy, isolation_level="AUTOCOMMIT", pool_size=pool_size,
                               max_overflow=0, pool_timeout=pool_timeout, pool_pre_ping=True,
                               connect_args={"application_name": "chatbooking", "connect_timeout": 5,
                                             "options": f"-c synchronous_commit={commit}"})

    return engine


# SQLite has one writer at a time. Writers of this process queue here, on a lock that hands over the
# moment it is released, rather than in SQLite's busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25 ms
# … between tries: under a burst most writers collide, and those sleeps (not the work) set the pace
# and the p99. Other processes on the file (the CLI) still meet the busy handler. One lock per file.
# Reentrant: a write made while this thread already holds it (inside a transaction) must not wait on itself.
_WRITERS: dict[str, threading.RLock] = {}
_WRITERS_GUARD = threading.Lock()
WRITER_WAIT_S = 5.0  # as SQLite's own busy timeout (connect_args below): then 503, as a pool timeout is


@contextmanager
def one_writer(target: Connection | Engine) -> Iterator[None]:
    """Around a write on SQLite (a write transaction, or a single writing statement in autocommit):
    this process's writers one after the other, each waiting ``WRITER_WAIT_S`` at most (then
    SQLAlchemy's ``TimeoutError``, a 503: another process, the CLI or a backup, may hold the file's
    write lock that long, and a queue of waiting writers must not fill the worker threads). Nothing on
    PostgreSQL, whose writers meet on row locks."""
    engine = target.engine if isinstance(target, Connection) else target
    if engine.dialect.name != "sqlite":
        yield
        return
    key = str(engine.url.database)
    with _WRITERS_GUARD:
        lock = _WRITERS.setdefault(key, threading.RLock())
    if not lock.acquire(timeout=WRITER_WAIT_S):
        raise SqlTimeoutError(f"another writer held the database for {WRITER_WAIT_S:.0f} s")
    try:
        yield
    finally:
        lock.release()


@contextmanager
def _begun(conn: Connection, mode: str) -> Iterator[Connection]:
    if conn.in_transaction():
        conn.commit()  # only SQLAlchemy's record of earlier autocommit statements: nothing to send
    with one_writer(conn) if mode == "write" else contextlib.nullcontext(), conn.begin():
        # The driver stays in autocommit: SQLAlchemy sends nothing, we send the BEGIN. Sent here, not
        # from a "begin" event listener: any engine event puts every statement of every connection on
        # SQLAlchemy's slower dispatching path (~30 µs a statement).
        conn.exec_driver_sql(_BEGIN_SQL[(conn.dialect.name, mode)])
        yield conn  # COMMIT: the driver's commit(), which sends it as a transaction is open


def transaction(conn: Connection) -> Any:
    """BEGIN IMMEDIATE (SQLite) / BEGIN (PostgreSQL) … COMMIT, or ROLLBACK when the block raises."""
    return _begun(conn, "write")


def snapshot(conn: Connection) -> Any:
    """A consistent read of several statements, taking no write lock."""
    return _begun(conn, "read")


class DriverSql:
    """A ``text()`` statement compiled once for an engine's driver (its paramstyle), for ``driver_cursor``."""

    def __init__(self, engine: Engine, statement: TextClause) -> None:
        compiled = statement.compile(dialect=engine.dialect)
        self.sql = compiled.string
        self._order = tuple(compiled.positiontup or ()) if compiled.positional else None

    def parameters(self, values: dict[str, Any]) -> Any:
        return values if self._order is None else tuple(values[name] for name in self._order)


DriverRun = Callable[[DriverSql, dict[str, Any]], "tuple[Any, ...] | None"]


@contextmanager
def driver_cursor(engine: Engine) -> Iterator[DriverRun]:
    """A pooled connection's own cursor, for a hot path of a statement or two (the rate limiter's
    counters, twice per write request): ``run(statement, values)`` gives the first row, or None.
    About 10 µs a statement where ``Connection.execute`` costs about 60 (the SQLAlchemy ``Connection``,
    its transaction bookkeeping and result objects). As there: the driver's autocommit, errors raised
    as SQLAlchemy's ``DBAPIError`` (so ``backend.db.errors`` classifies them), and a connection the
    server dropped invalidated, never lent again.

    Example::

        with driver_cursor(engine) as run:
            row = run(DriverSql(engine, text("SELECT hits FROM rate_limits WHERE bucket = :b")), {"b": "x"})
    """
    error = engine.dialect.loaded_dbapi.Error
    try:
        raw = engine.raw_connection()
    except error as exc:  # no connection to be had (the server down, restarting): as engine.connect()
        raise DBAPIError.instance(None, None, exc, error,
                                  connection_invalidated=engine.dialect.is_disconnect(exc, None, None)) from exc
    cursor: Any = None
    sql: str | None = None

    def run(statement: DriverSql, values: dict[str, Any]) -> tuple[Any, ...] | None:
        nonlocal sql
        sql = statement.sql
        cursor.execute(statement.sql, statement.parameters(values))
        return cursor.fetchone() if cursor.description is not None else None

    try:
        cursor = raw.cursor()
        yield run
    except error as exc:
        lost = engine.dialect.is_disconnect(exc, raw.dbapi_connection, cursor)
        if lost:
            raw.invalidate(exc)
        raise DBAPIError.instance(sql, None, exc, error, connection_invalidated=lost) from exc
    finally:
        try:
            if cursor is not None:
                cursor.close()
        finally:
            raw.close()


def open_database(settings: Settings) -> Database:
    """The database ``settings.database_url`` names, not yet migrated (call ``migrate()``)."""
    return Database(settings.database, pool_size=settings.db_pool_size, pool_timeout=settings.db_pool_timeout)


class Database:
    """One engine (and its pool) per process; safe to share between threads."""

    transaction = staticmethod(transaction)
    snapshot = staticmethod(snapshot)

    def __init__(self, url: DatabaseUrl, *, pool_size: int = 10, pool_timeout: float = 5.0) -> None:
        self.location = url
        self.engine: str = url.engine  # "sqlite" or "postgresql"
        self.several_processes = url.engine == "postgresql"  # wake-ups then go through LISTEN/NOTIFY
        self.pool_size = pool_size
        self.pool_timeout = pool_timeout
        self.sql = make_engine(url, pool_size=pool_size if url.engine == "postgresql" else 16,
                               pool_timeout=pool_timeout)

    @property
    def url(self) -> str:
        """The URL psycopg takes (PostgreSQL), or the file's path (SQLite)."""
        return self.location.libpq if self.engine == "postgresql" else str(self.location.path)

    @property
    def path(self) -> Path:
        assert self.location.path is not None, "a PostgreSQL database has no file"
        return self.location.path

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """Borrow a connection (blocking: call it from a worker thread); back to the pool at the end,
        rolled back if a transaction was left open. One that cannot even be rolled back (the server
        dropped it) is closed and discarded by the pool, not handed out again."""
        conn = self.sql.connect()
        try:
            yield conn
        finally:
            try:
                conn.close()
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
                log.warning("a database connection was lost before it went back to the pool: %s", exc.orig)

    def migrate(self) -> str:
        """Bring the schema to the newest revision (``backend.db.migrations``); the revision."""
        from backend.db.migrations import upgrade  # Alembic is needed only here

        return upgrade(self)

    def check(self) -> bool:
        """True when the bookings table answers a query (for /api/health)."""
        try:
            with self.connection() as conn:
                conn.execute(text("SELECT 1 FROM bookings LIMIT 1")).all()
            return True
        except DBAPIError:
            return False
        except Exception as exc:  # the pool's timeout
            if is_unavailable(exc):
                return False
            raise

    def close(self) -> None:
        self.sql.dispose()
