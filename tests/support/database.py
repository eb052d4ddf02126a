"""What the backend tests need to look at a database behind the server's back, on either engine.

``translate`` turns the tests' ``?`` SQL into psycopg's ``%s`` (test SQL only: no ``?`` inside
quotes); ``schema_version`` is the Alembic revision a database is at, and ``age_schema`` makes it
look migrated by code newer than ours. (The backend itself speaks SQLAlchemy ``text()``.)

Example::

    schema_version("postgresql://postgres@127.0.0.1:5433/db_1")   # "0004"
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from backend.db.migrations import head

SCHEMA_VERSION = head()
FUTURE_REVISION = "9999_from_newer_code"
POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


def is_postgres_url(location: object) -> bool:
    return isinstance(location, str) and location.startswith(POSTGRES_SCHEMES)


def translate(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _query(location: Path | str, sql: str) -> list[tuple]:
    if is_postgres_url(location):
        import psycopg

        with psycopg.connect(_libpq(str(location)), autocommit=True) as conn:
            cursor = conn.execute(sql)  # type: ignore[arg-type]
            return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
    with sqlite3.connect(location) as conn:
        return conn.execute(sql).fetchall()


def schema_version(location: Path | str) -> str | None:
    found = _query(location, "SELECT version_num FROM alembic_version")
    return found[0][0] if found else None


def age_schema(location: Path | str) -> None:
    """Make the database look migrated by newer code than ours (a revision we do not know)."""
    _query(location, f"UPDATE alembic_version SET version_num = '{FUTURE_REVISION}'")
