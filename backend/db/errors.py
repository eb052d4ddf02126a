"""Which database errors mean "try again shortly" (503 + Retry-After) and which are our bug (500).

Only conditions that pass by themselves are 503: SQLite busy/locked, disk I/O trouble, a full
disk or a file that cannot be opened; PostgreSQL's connection lost or refused, the server shutting
down or starting, too many connections, a serialization failure or deadlock; and our own pool
having no connection to lend within ``DB_POOL_TIMEOUT``. "no such column", a syntax error or a
constraint we did not expect are bugs: a 500 with its traceback in the log, so that clients stop
retrying and somebody looks.

Example::

    try:
        ...
    except DBAPIError as exc:
        if is_unavailable(exc): ...        # 503
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc as sa_exc

# sqlite3's primary result codes (sqlite3.h) that pass by themselves.
_SQLITE_TRANSIENT = {5: "busy", 6: "locked", 10: "I/O error", 13: "disk full", 14: "cannot open",
                     15: "lock protocol"}
# PostgreSQL SQLSTATEs (Appendix A) that pass by themselves.
_PG_TRANSIENT_CLASSES = ("08", "53", "57P")      # connection exception, resources, operator intervention
_PG_TRANSIENT = {"40001", "40P01", "55P03"}       # serialization failure, deadlock, lock not available

DATABASE_ERRORS = (sa_exc.DBAPIError, sa_exc.TimeoutError)  # what SQLAlchemy raises for the database
INTEGRITY_ERRORS = (sa_exc.IntegrityError,)
INVALID_VALUE_ERRORS = (sa_exc.DataError,)


def is_unavailable(error: BaseException) -> bool:
    """True when ``error`` means the database is busy or gone for now (answer 503 + Retry-After)."""
    if isinstance(error, sa_exc.TimeoutError):  # the pool had no connection to lend
        return True
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        error = error.orig or error
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        return isinstance(error, sqlite3.OperationalError) and code is not None and (code & 0xFF) in _SQLITE_TRANSIENT
    sqlstate = getattr(error, "sqlstate", None)
    if _is_psycopg(error):
        if sqlstate is None:  # raised by the client: no connection, or it broke mid-request
            return type(error).__name__ in ("OperationalError", "InterfaceError")
        return sqlstate in _PG_TRANSIENT or sqlstate.startswith(_PG_TRANSIENT_CLASSES)
    return False


def _is_psycopg(error: BaseException) -> bool:
    return type(error).__module__.startswith("psycopg")
