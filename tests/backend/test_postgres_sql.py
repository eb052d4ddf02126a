"""The database API runs the same plain SQL on both engines (what the crud modules and any new table
rely on), through SQLAlchemy ``text()``: comments, quotes, ``%`` and PostgreSQL's own syntax (dollar
quoting, ``E''`` strings, the ``?`` operators) reach the server as written; and which errors are
"busy, retry" (503) and which are bugs (500)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from backend.core.config import Settings
from backend.db.engine import INTEGRITY_ERRORS, Database, is_unavailable, open_database
from tests.backend.conftest import Location


@pytest.fixture
def database(new_database: Callable[[], Location]) -> Iterator[Database]:
    db = open_database(Settings(DATABASE_URL=str(new_database())))
    db.migrate()
    with db.connection() as conn:
        # Outside the migrations (SQLAlchemy types) say BIGINT: PostgreSQL's INTEGER is 32-bit.
        conn.execute(text("CREATE TABLE counters (client TEXT PRIMARY KEY, hits BIGINT NOT NULL, since BIGINT)"))
    yield db
    db.close()


UPSERT = text("INSERT INTO counters (client, hits, since) VALUES (:client, 1, :since)"
              " ON CONFLICT (client) DO UPDATE SET hits = counters.hits + 1 RETURNING hits")


def test_an_upsert_counts_with_on_conflict_do_update_and_returning(database: Database) -> None:
    with database.connection() as conn:
        counts = [conn.execute(UPSERT, {"client": "203.0.113.7", "since": 2**40}).one().hits for _ in range(3)]
        row = conn.execute(text("SELECT client, hits, since FROM counters WHERE client = :c"),
                           {"c": "203.0.113.7"}).one()
    assert counts == [1, 2, 3]
    assert (row[0], row.hits, row.since) == ("203.0.113.7", 3, 2**40)


def test_on_conflict_do_nothing_reports_its_rowcount_and_unique_raises_an_integrity_error(
        database: Database) -> None:
    with database.connection() as conn:
        insert = text("INSERT INTO counters (client, hits) VALUES (:c, :h) ON CONFLICT (client) DO NOTHING")
        assert conn.execute(insert, {"c": "a", "h": 1}).rowcount == 1
        assert conn.execute(insert, {"c": "a", "h": 2}).rowcount == 0
        with pytest.raises(INTEGRITY_ERRORS):
            conn.execute(text("INSERT INTO counters (client, hits) VALUES (:c, :h)"), {"c": "a", "h": 3})
        assert [tuple(r) for r in conn.execute(text("SELECT client, hits FROM counters"))] == [("a", 1)]


def test_a_transaction_commits_together_or_rolls_back_together(database: Database) -> None:
    with database.connection() as conn:
        insert = text("INSERT INTO counters (client, hits) VALUES (:c, 1)")
        with Database.transaction(conn):
            conn.execute(insert, {"c": "kept"})
        with pytest.raises(ZeroDivisionError), Database.transaction(conn):
            conn.execute(insert, {"c": "dropped"})
            raise ZeroDivisionError
        assert not conn.in_transaction()
        assert conn.execute(text("SELECT count(*) FROM counters")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM counters WHERE client LIKE 'k%'")).scalar() == 1


def test_comments_quotes_and_percent_signs_reach_the_server_as_written(database: Database) -> None:
    with database.connection() as conn:
        value = conn.execute(text("SELECT '?' || '%' || 'it''s' AS v -- the client's ? and %\n"
                                  " WHERE 1 = :one /* ? % */"), {"one": 1}).scalar()
    assert value == "?%it's"


def test_postgresql_syntax_the_old_lexer_broke_passes_through(database: Database) -> None:
    if database.engine != "postgresql":
        pytest.skip("PostgreSQL syntax")
    with database.connection() as conn:
        assert conn.execute(text("""SELECT '{"a": 1}'::jsonb ? 'a'""")).scalar() is True
        assert conn.execute(text("SELECT $q$it's ? and %$q$")).scalar() == "it's ? and %"
        assert conn.execute(text(r"SELECT E'it\'s ?' || :x"), {"x": "!"}).scalar() == "it's ?!"


def _sqlite_error(sql: str) -> sa_exc.DBAPIError:
    raw = sqlite3.connect(":memory:")
    try:
        raw.execute(sql)
    except sqlite3.Error as error:
        return sa_exc.OperationalError(sql, (), error)
    raise AssertionError("no error")


def test_only_conditions_that_pass_by_themselves_are_unavailable() -> None:
    import psycopg

    assert is_unavailable(sa_exc.TimeoutError("QueuePool limit reached"))
    busy = sqlite3.OperationalError("database is locked")
    busy.sqlite_errorcode = 5  # type: ignore[attr-defined]
    assert is_unavailable(sa_exc.OperationalError("INSERT", (), busy))
    assert not is_unavailable(_sqlite_error("SELECT no_such_column FROM sqlite_master"))
    assert not is_unavailable(_sqlite_error("SELEC 1"))
    assert is_unavailable(sa_exc.OperationalError("SELECT", (), psycopg.OperationalError("connection refused")))
    shutdown = psycopg.errors.AdminShutdown("terminating connection")
    assert shutdown.sqlstate == "57P01"
    assert is_unavailable(sa_exc.OperationalError("SELECT", (), shutdown))
    assert is_unavailable(sa_exc.OperationalError("SELECT", (), psycopg.errors.SerializationFailure()))
    assert not is_unavailable(sa_exc.ProgrammingError("SELECT", (), psycopg.errors.UndefinedColumn()))
    assert not is_unavailable(sa_exc.IntegrityError("INSERT", (), psycopg.errors.UniqueViolation()))
