"""When the database is busy, a 503 says "retry"; when our SQL is wrong, a 500 says "stop" (with the
traceback in the log); reads never wait for writers; a failed token check never needs a second
connection from the request pool (both engines)."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.backend.conftest import (
    QUIET_ENV,
    Location,
    auth_for,
    booking,
    execute,
    new_key,
    post_booking,
)
from tests.support.database import is_postgres_url
from tests.support.server import server_process


@contextlib.contextmanager
def _writer_holding_the_lock(database: Location) -> Iterator[None]:
    """Another writer in the middle of a transaction: on SQLite the file's write lock, on PostgreSQL
    a lock on the customers table that lets readers through but no writer."""
    if is_postgres_url(database):
        import psycopg

        with psycopg.connect(str(database)) as conn:
            conn.execute("LOCK TABLE customers, bookings IN EXCLUSIVE MODE")
            yield
            conn.rollback()
        return
    conn = sqlite3.connect(database, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def test_an_authenticated_read_does_not_wait_for_a_writer(new_database: Callable[[], Location],
                                                          tmp_path: Path) -> None:
    database = new_database()
    body = booking()
    with server_process(database, env=QUIET_ENV) as (url, _), httpx.Client(base_url=url, timeout=4) as client:
        created = post_booking(client, body, new_key()).json()
        with _writer_holding_the_lock(database):
            started = time.monotonic()
            read = client.get(f"/api/bookings/{created['id']}", headers=auth_for(body["customer_id"]))
            last = client.get("/api/bookings/last", params={"customer_id": body["customer_id"]},
                              headers=auth_for(body["customer_id"]))
        assert (read.status_code, last.status_code) == (200, 200), (read.text, last.text)
        assert time.monotonic() - started < 3  # not the 5 s busy timeout, nor a lock wait


def test_a_busy_database_is_503_with_retry_after(new_database: Callable[[], Location], engine: str) -> None:
    if engine != "sqlite":
        pytest.skip("PostgreSQL stopped under the API: tests/backend/test_postgres_restart.py")
    database = new_database()
    with server_process(database, env=QUIET_ENV) as (url, _), httpx.Client(base_url=url, timeout=20) as client:
        body = booking()
        assert post_booking(client, body, new_key()).status_code == 201
        with _writer_holding_the_lock(database):
            response = post_booking(client, booking(customer_id=body["customer_id"]), new_key())
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "1"


def test_a_bug_in_our_sql_is_a_500_without_retry_after_and_with_a_traceback(
        new_database: Callable[[], Location], tmp_path: Path) -> None:
    database = new_database()
    log = tmp_path / "server.log"
    body = booking()
    with log.open("wb") as output, server_process(database, env=QUIET_ENV | {"LOG_LEVEL": "info"},
                                                  output=output) as (url, _), \
            httpx.Client(base_url=url, timeout=10) as client:
        created = post_booking(client, body, new_key()).json()
        execute(database, "ALTER TABLE bookings RENAME COLUMN booking_json TO booking_body")  # "no such column"
        response = client.get(f"/api/bookings/{created['id']}", headers=auth_for(body["customer_id"]))
    assert response.status_code == 500, response.text
    assert "Retry-After" not in response.headers
    assert response.json() == {"detail": "Internal server error."}
    text = log.read_text(errors="replace")
    assert "Traceback" in text and "booking_json" in text


def test_a_failed_token_check_needs_no_second_connection_from_the_pool(
        new_database: Callable[[], Location]) -> None:
    database = new_database()
    env = QUIET_ENV | {"DB_POOL_SIZE": "1", "DB_POOL_TIMEOUT": "1"}
    with server_process(database, env=env) as (url, _), httpx.Client(base_url=url, timeout=10) as client:
        body = booking()
        assert post_booking(client, body, new_key()).status_code == 201
        # The route holds the pool's only connection while the 404 counts as a failed check.
        unknown = client.get("/api/bookings/bk_nobodys", headers=auth_for(body["customer_id"]))
        assert unknown.status_code == 404, unknown.text


def test_a_connection_whose_rollback_fails_is_closed_not_just_dropped(
        new_database: Callable[[], Location], engine: str) -> None:
    if engine != "postgresql":
        pytest.skip("a server that drops the connection under an open transaction")
    from sqlalchemy import text

    from backend.core.config import Settings
    from backend.db.engine import open_database

    database = open_database(Settings(DATABASE_URL=str(new_database())))
    try:
        with database.connection() as conn:
            conn.exec_driver_sql("BEGIN")
            conn.execute(text("SELECT 1"))
            raw = conn.connection.dbapi_connection
            execute(str(database.url), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                       " WHERE application_name = 'chatbooking' AND pid <> pg_backend_pid()")
            time.sleep(0.2)
        # The pool's rollback on return failed: the connection is closed, and not handed out again.
        assert raw is not None and raw.closed
        assert database.sql.pool.checkedout() == 0
        with database.connection() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
    finally:
        database.close()
