"""What lands in the SQLite file: WAL mode, one row per key enforced by the schema, durable bookings."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from app.domain.models import BookingCreated, BookingRequest
from backend import crud
from backend.db import SCHEMA_VERSION, Database
from tests.backend.conftest import QUIET_ENV, Server, auth_for, booking, new_key, post_booking, rows
from tests.support.server import running_server


def test_the_database_file_is_in_wal_mode(server: Server) -> None:
    assert rows(server.database, "PRAGMA journal_mode") == [("wal",)]
    assert rows(server.database, "PRAGMA user_version") == [(SCHEMA_VERSION,)]


def test_a_booking_survives_a_server_restart_on_the_same_file(tmp_path: Path) -> None:
    database = tmp_path / "nested" / "dirs" / "bookings.sqlite3"  # parents are created
    body, key = booking(), new_key()
    with running_server(database, env=QUIET_ENV) as url, httpx.Client(base_url=url) as client:
        created = post_booking(client, body, key).json()
    with running_server(database, env=QUIET_ENV) as url, httpx.Client(base_url=url) as client:
        auth = auth_for(body["customer_id"])
        assert client.get(f"/api/bookings/{created['id']}", headers=auth).json() == created
        last = client.get("/api/bookings/last", params={"customer_id": body["customer_id"]}, headers=auth)
        assert last.status_code == 200
        replay = post_booking(client, body, key)
        assert replay.status_code == 201 and replay.json() == created
    assert rows(database, "SELECT count(*) FROM bookings") == [(1,)]


def test_database_url_accepts_the_sqlite_scheme(tmp_path: Path) -> None:
    database = tmp_path / "scheme.sqlite3"
    with running_server(database, env=QUIET_ENV | {"DATABASE_URL": f"sqlite:///{database}"}) as url:
        assert httpx.get(url + "/api/health").json() == {"status": "ok", "database": "ok"}
    assert rows(database, "PRAGMA journal_mode") == [("wal",)]


@pytest.fixture
def database(tmp_path: Path) -> Database:
    db = Database(tmp_path / "direct.sqlite3")
    db.migrate()
    yield db
    db.close()


def _created(customer: str = "c1") -> BookingCreated:
    return BookingCreated(id=crud.new_booking_id(), created_at=crud.now_ms(),
                          booking=BookingRequest.model_validate(booking(customer_id=customer)))


def test_the_schema_itself_allows_one_booking_per_idempotency_key(database: Database) -> None:
    with database.connection() as conn:
        assert crud.insert_booking(conn, key="k", request_hash="h", created=_created()) is True
        assert crud.insert_booking(conn, key="k", request_hash="h", created=_created()) is False
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            conn.execute("INSERT INTO bookings (id, idempotency_key, request_hash, customer_id, therapist_id,"
                         " created_at, booking_json) VALUES ('bk_x', 'k', 'h', 'c', 't', 0, '{}')")
    assert rows(database.path, "SELECT count(*) FROM bookings") == [(1,)]


def test_migrating_twice_keeps_the_data(database: Database) -> None:
    with database.connection() as conn:
        crud.insert_booking(conn, key="k", request_hash="h", created=_created())
    database.migrate()
    assert rows(database.path, "SELECT count(*) FROM bookings") == [(1,)]


def test_a_database_from_newer_code_is_refused(database: Database) -> None:
    with database.connection() as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(RuntimeError, match="newer"):
        database.migrate()


def test_connections_run_with_full_synchronous_commits(database: Database) -> None:
    with database.connection() as conn:
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
