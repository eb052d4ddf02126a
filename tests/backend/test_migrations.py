"""Alembic owns the schema: a database made by the code before Alembic is adopted with every row kept,
and afterwards that older code refuses it rather than migrating it twice (both engines)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from backend.core.config import Settings
from backend.core.security import token_hash
from backend.db.engine import open_database
from backend.db.migrations import SchemaTooNew
from tests.backend.conftest import QUIET_ENV, Location, bearer, booking, customer_token, execute, rows
from tests.support.database import SCHEMA_VERSION, is_postgres_url, schema_version
from tests.support.legacy_schema import LEGACY_VERSION, make_legacy
from tests.support.server import running_server

TABLES = ("bookings", "customers", "therapist_tokens", "conversations", "messages", "rate_limits")


def _fill(location: Location, customer: str, token: str) -> dict:
    """One row in every table, as the code before Alembic stored them."""
    body = booking(customer_id=customer)
    created = {"id": "bk_legacy", "created_at": 1_700_000_000_000, "booking": body | {"price": 475000}}
    session = f"session_t-ayu_{customer}"
    statements = [
        "INSERT INTO bookings (id, idempotency_key, request_hash, customer_id, therapist_id, created_at,"
        f" booking_json) VALUES ('bk_legacy', 'k-legacy', 'h', '{customer}', 't-ayu', 1700000000000,"
        f" '{json.dumps(body)}')",
        f"INSERT INTO customers (customer_id, token_hash, created_at) VALUES ('{customer}', '{token_hash(token)}', 1)",
        "INSERT INTO therapist_tokens (token_hash, therapist_id, created_at) VALUES ('abc', 't-ayu', 1)",
        "INSERT INTO conversations (session_id, therapist_id, customer_id, customer_name, created_at,"
        f" last_activity, last_message, last_seq, version) VALUES ('{session}', 't-ayu', '{customer}',"
        " 'Ana Putri', 1, 2, 'Hello', 1, 2)",
        "INSERT INTO messages (session_id, seq, id, sender_type, sender_id, message, timestamp, server_time)"
        f" VALUES ('{session}', 1, 'm-1', 'customer', '{customer}', 'Hello', 1, 2)",
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ('write:203.0.113.9', 1, 3)",
    ]
    for statement in statements:
        execute(location, statement)
    return created


def _legacy_marker(location: Location) -> int:
    if is_postgres_url(location):
        return rows(location, "SELECT MAX(version) FROM schema_migrations")[0][0]
    return rows(location, "PRAGMA user_version")[0][0]


def test_a_database_made_before_alembic_is_adopted_with_every_row_kept(
        new_database: Callable[[], Location], engine: str, tmp_path: Path) -> None:
    location: Location = tmp_path / "legacy.sqlite3" if engine == "sqlite" else new_database()
    make_legacy(location, LEGACY_VERSION)
    customer, token = "0b7e5a2c-1d2e-4f3a-8b4c-5d6e7f8a9b0c", customer_token()
    created = _fill(location, customer, token)
    before = {table: rows(location, f"SELECT * FROM {table} ORDER BY 1") for table in TABLES}

    with running_server(location, env=QUIET_ENV) as url, httpx.Client(base_url=url) as client:
        read = client.get("/api/bookings/bk_legacy", headers=bearer(token))
        assert read.status_code == 200, read.text
        assert read.json()["booking"]["customer_id"] == created["booking"]["customer_id"]
        page = client.get(f"/api/conversations/session_t-ayu_{customer}/messages", headers=bearer(token))
        assert [m["id"] for m in page.json()["messages"]] == ["m-1"]

    assert schema_version(location) == SCHEMA_VERSION
    for table in ("customers", "therapist_tokens", "conversations", "messages"):
        # Every row and column there was, as it was (later revisions may add columns after them).
        assert [row[:len(before[table][0])] for row in rows(location, f"SELECT * FROM {table} ORDER BY 1")
                ] == before[table], table
    assert rows(location, "SELECT replies_read_through FROM conversations") == [(0,)]  # revision 0005
    assert rows(location, "SELECT id, customer_id, booking_json FROM bookings") == [
        tuple(row[i] for i in (1, 4, 7)) for row in before["bookings"]]
    # The code before Alembic reads only its own marker: it now says "newer than you".
    assert _legacy_marker(location) > LEGACY_VERSION


def test_a_database_at_an_older_version_before_alembic_gets_the_missing_steps(
        new_database: Callable[[], Location], engine: str, tmp_path: Path) -> None:
    location: Location = tmp_path / "v1.sqlite3" if engine == "sqlite" else new_database()
    make_legacy(location, 1)
    execute(location, "INSERT INTO bookings (id, idempotency_key, request_hash, customer_id, therapist_id,"
                      " created_at, booking_json) VALUES ('bk_1', 'k1', 'h', 'c-old', 't-ayu', 1, '{}')")
    database = open_database(Settings(DATABASE_URL=str(location)))
    try:
        assert database.migrate() == SCHEMA_VERSION
    finally:
        database.close()
    assert rows(location, "SELECT id FROM bookings") == [("bk_1",)]
    assert rows(location, "SELECT customer_id, token_hash FROM customers") == [("c-old", "unclaimable")]


def test_a_pre_alembic_version_newer_than_this_code_is_refused(
        new_database: Callable[[], Location], engine: str, tmp_path: Path) -> None:
    location: Location = tmp_path / "v9.sqlite3" if engine == "sqlite" else new_database()
    make_legacy(location, LEGACY_VERSION)
    if is_postgres_url(location):
        execute(location, "INSERT INTO schema_migrations (version) VALUES (9)")
    else:
        execute(location, "PRAGMA user_version = 9")
    database = open_database(Settings(DATABASE_URL=str(location)))
    try:
        with pytest.raises(SchemaTooNew, match="version 9 .before Alembic., newer than this code"):
            database.migrate()
    finally:
        database.close()


def test_bookings_stored_before_the_lifecycle_become_confirmed_with_a_time_to_be_agreed(
        new_database: Callable[[], Location]) -> None:
    location = new_database()
    database = open_database(Settings(DATABASE_URL=str(location)))
    try:
        from alembic import command

        from backend.db.migrations import config

        command.upgrade(config(database), "0005")  # the schema before revision 0006
    finally:
        database.close()
    customer, token = "0b7e5a2c-1d2e-4f3a-8b4c-5d6e7f8a9b0d", customer_token()
    old = {k: v for k, v in booking(customer_id=customer).items() if k not in ("address", "asap")}
    execute(location, "INSERT INTO bookings (id, idempotency_key, request_hash, customer_id, therapist_id,"
                      f" created_at, booking_json) VALUES ('bk_before', 'k-before', 'h', '{customer}', 't-ayu',"
                      f" 1700000000000, '{json.dumps(old)}')")
    execute(location, f"INSERT INTO customers (customer_id, token_hash, created_at) VALUES ('{customer}',"
                      f" '{token_hash(token)}', 1)")
    with running_server(location, env=QUIET_ENV) as url, httpx.Client(base_url=url) as client:
        read = client.get("/api/bookings/bk_before", headers=bearer(token))
        assert read.status_code == 200, read.text
        body = read.json()
        assert (body["status"], body["starts_at"], body["ends_at"], body["expires_at"]) == (
            "confirmed", None, None, None)
        assert body["status_changed_at"] == 1_700_000_000_000
        assert body["booking"]["address"] == "Not given"
        last = client.get("/api/bookings/last", params={"customer_id": customer}, headers=bearer(token)).json()
        assert (last["id"], last["status"], last["starts_at"]) == ("bk_before", "confirmed", None)
    assert schema_version(location) == SCHEMA_VERSION == "0006"
    # It holds no time: it never stands in the way of a request.
    assert rows(location, "SELECT hold_start, hold_end FROM bookings WHERE id = 'bk_before'") == [(None, None)]
