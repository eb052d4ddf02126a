"""What lands in the database (both engines): one row per key enforced by the schema, durable bookings,
one migration history; SQLite in WAL mode, PostgreSQL with synchronous commits."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from app.domain.models import BookingCreated, BookingRequest
from backend.crud import bookings as crud
from sqlalchemy import text

from backend.core.config import Settings
from backend.db.engine import INTEGRITY_ERRORS, Database
from tests.backend.conftest import (
    QUIET_ENV,
    Location,
    Server,
    age_schema,
    auth_for,
    booking,
    location,
    new_key,
    post_booking,
    rows,
    schema_version,
)
from tests.support.database import FUTURE_REVISION, SCHEMA_VERSION, is_postgres_url
from tests.support.server import ROOT, running_server


def test_the_schema_version_is_recorded_once_migrated(server: Server) -> None:
    assert schema_version(server.database) == SCHEMA_VERSION


def test_the_sqlite_file_is_in_wal_mode(server: Server, engine: str) -> None:
    if engine != "sqlite":
        pytest.skip("SQLite only")
    assert rows(server.database, "PRAGMA journal_mode") == [("wal",)]


def test_a_booking_survives_a_server_restart_on_the_same_database(
        new_database: Callable[[], Location], engine: str, tmp_path: Path) -> None:
    # SQLite: the file's parents are created.
    database = tmp_path / "nested" / "dirs" / "bookings.sqlite3" if engine == "sqlite" else new_database()
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
        assert httpx.get(url + "/api/health").json()["database"] == "ok"
    assert rows(database, "PRAGMA journal_mode") == [("wal",)]


def test_database_url_selects_the_engine() -> None:
    assert Settings(DATABASE_URL="postgresql://u:p@db.example:5432/app").database_engine == "postgresql"
    assert Settings(DATABASE_URL="postgres://u@db.example/app").database_engine == "postgresql"
    assert Settings(DATABASE_URL="sqlite:///tmp/x.sqlite3").database_engine == "sqlite"
    assert Settings(DATABASE_URL="var/x.sqlite3").database_engine == "sqlite"


def _created(customer: str = "c1") -> BookingCreated:
    return BookingCreated(id=crud.new_booking_id(), created_at=crud.now_ms(),
                          booking=BookingRequest.model_validate(booking(customer_id=customer)))


def test_the_schema_itself_allows_one_booking_per_customer_and_idempotency_key(database: Database) -> None:
    with database.connection() as conn:
        assert crud.insert_booking(conn, key="k", request_hash="h", created=_created()) is True
        assert crud.insert_booking(conn, key="k", request_hash="h", created=_created()) is False
        with pytest.raises(INTEGRITY_ERRORS, match="(?i)unique|duplicate key"):
            conn.execute(text("INSERT INTO bookings (id, idempotency_key, request_hash, customer_id, therapist_id,"
                              " created_at, booking_json) VALUES ('bk_x', 'k', 'h', 'c1', 't', 0, '{}')"))
    assert rows(location(database), "SELECT count(*) FROM bookings") == [(1,)]


def test_times_are_64_bit_on_both_engines(database: Database) -> None:
    created = _created().model_copy(update={"created_at": 2**53 - 1})  # JavaScript's largest exact integer
    with database.connection() as conn:
        crud.insert_booking(conn, key="k64", request_hash="h", created=created)
        assert crud.find_by_key(conn, "c1", "k64").created.created_at == 2**53 - 1


def test_migrating_twice_keeps_the_data(database: Database) -> None:
    with database.connection() as conn:
        crud.insert_booking(conn, key="k", request_hash="h", created=_created())
    database.migrate()
    assert rows(location(database), "SELECT count(*) FROM bookings") == [(1,)]
    assert schema_version(location(database)) == SCHEMA_VERSION


def test_a_database_from_newer_code_is_refused(database: Database) -> None:
    age_schema(location(database))
    with pytest.raises(RuntimeError, match="newer than this code"):
        database.migrate()


def test_the_server_refuses_a_newer_database_with_a_message_and_a_failing_exit(database: Database) -> None:
    age_schema(location(database))
    env = {**os.environ, **QUIET_ENV, "DATABASE_URL": str(location(database)), "PORT": "0"}
    result = subprocess.run([sys.executable, "-m", "backend"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert f"schema is at revision {FUTURE_REVISION}, newer than this code" in result.stderr
    assert "Traceback" not in result.stderr


def test_connections_commit_synchronously(database: Database) -> None:
    with database.connection() as conn:
        if database.engine == "sqlite":
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        else:
            assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"


def test_several_workers_on_sqlite_are_refused_with_a_message(tmp_path: Path) -> None:
    env = {**os.environ, **QUIET_ENV, "DATABASE_URL": str(tmp_path / "one.sqlite3"), "WORKERS": "2"}
    result = subprocess.run([sys.executable, "-m", "backend"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "postgresql://" in result.stderr


def test_four_processes_running_alembic_upgrade_at_once_apply_each_step_exactly_once(
        new_database: Callable[[], Location]) -> None:
    """Four operators run ``alembic upgrade head`` by hand at once: one migrates, the others wait."""
    where = str(new_database())
    env = {**os.environ, "DATABASE_URL": where}
    command = [sys.executable, "-m", "alembic", "upgrade", "head"]
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(4)]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0] * 4, outputs
    location_ = where if is_postgres_url(where) else Path(where)
    assert schema_version(location_) == SCHEMA_VERSION
    assert rows(location_, "SELECT version_num FROM alembic_version") == [(SCHEMA_VERSION,)]
    assert rows(location_, "SELECT count(*) FROM bookings") == [(0,)]
    # Each revision ran once: the one that adds rows would otherwise have failed on its tables.
    ran = sum("Running upgrade" in err for _, err in outputs)
    assert ran == 1, outputs
