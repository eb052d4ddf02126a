"""Nobody reads or plants another customer's data: every booking route needs the owner's token."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.support.legacy_schema import MIGRATIONS
from tests.backend.conftest import (
    QUIET_ENV,
    Server,
    auth_for,
    bearer,
    booking,
    customer_token,
    field_errors,
    new_customer,
    new_key,
    post_booking,
    rows,
)
from tests.support.server import running_server, server_process

PERSONAL = ("Ana Putri", "+6281234567890", "8123456789")


def _no_personal_data(response: httpx.Response) -> None:
    assert not any(value in response.text for value in PERSONAL), response.text


def test_a_booking_without_a_token_is_401_and_stores_nothing(server: Server, api: httpx.Client) -> None:
    body = booking()
    response = api.post("/api/bookings", json=body, headers={"Idempotency-Key": new_key()})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert rows(server.database, "SELECT count(*) FROM bookings WHERE customer_id = ?",
                body["customer_id"]) == [(0,)]


def test_a_booking_for_another_tokens_customer_is_403_and_plants_nothing(server: Server,
                                                                         api: httpx.Client) -> None:
    victim = new_customer()
    assert post_booking(api, booking(customer_id=victim)).status_code == 201
    planted = post_booking(api, booking(customer_id=victim, customer_name="Mallory"),
                           headers=bearer(customer_token()))
    assert planted.status_code == 403
    _no_personal_data(planted)
    assert rows(server.database, "SELECT count(*) FROM bookings WHERE customer_id = ?", victim) == [(1,)]


def test_the_last_booking_is_only_the_owners(api: httpx.Client) -> None:
    victim = new_customer()
    post_booking(api, booking(customer_id=victim))
    params = {"customer_id": victim}
    anonymous = api.get("/api/bookings/last", params=params)
    intruder = api.get("/api/bookings/last", params=params, headers=bearer(customer_token()))
    owner = api.get("/api/bookings/last", params=params, headers=auth_for(victim))
    assert (anonymous.status_code, intruder.status_code, owner.status_code) == (401, 403, 200)
    assert anonymous.headers["WWW-Authenticate"] == "Bearer"
    for refused in (anonymous, intruder):
        _no_personal_data(refused)
    assert owner.json()["customer_name"] == "Ana Putri"


def test_a_booking_by_id_is_only_the_owners_and_others_cannot_tell_it_exists(api: httpx.Client) -> None:
    victim = new_customer()
    created = post_booking(api, booking(customer_id=victim)).json()
    path = f"/api/bookings/{created['id']}"
    anonymous = api.get(path)
    intruder = api.get(path, headers=bearer(customer_token()))
    unknown = api.get("/api/bookings/bk_doesnotexist0000", headers=bearer(customer_token()))
    assert anonymous.status_code == 401
    assert (intruder.status_code, intruder.json()) == (unknown.status_code, unknown.json()) == (
        404, {"detail": "No booking with this id."})
    for refused in (anonymous, intruder):
        _no_personal_data(refused)
    assert api.get(path, headers=auth_for(victim)).json() == created


def test_a_token_in_the_url_is_not_a_token(api: httpx.Client) -> None:
    customer = new_customer()
    post_booking(api, booking(customer_id=customer))
    token = auth_for(customer)["Authorization"].split()[1]
    for params in ({"customer_id": customer, "token": token}, {"customer_id": customer, "access_token": token}):
        assert api.get("/api/bookings/last", params=params).status_code == 401


@pytest.mark.parametrize("customer_id", ["c-1234", "0B7E5A2C-1D2E-4F3A-8B4C-5D6E7F8A9B0C",
                                         "0b7e5a2c1d2e4f3a8b4c5d6e7f8a9b0c", "0b7e5a2c-1d2e-1f3a-8b4c-5d6e7f8a9b0c",
                                         "0b7e5a2c-1d2e-4f3a-8b4c-5d6e7f8a9b0c0"],
                         ids=["not-uuid", "uppercase", "no-hyphens", "version-1", "too-long"])
def test_a_booking_whose_customer_id_is_not_a_canonical_uuid4_is_422_on_customer_id(
        api: httpx.Client, customer_id: str) -> None:
    assert list(field_errors(post_booking(api, booking(customer_id=customer_id)))) == ["customer_id"]


def test_customer_ids_booked_before_tokens_were_required_cannot_be_claimed(tmp_path: Path) -> None:
    """A database at schema 2 with a tokenless booking: after migrating, no token owns that id."""
    database = tmp_path / "old.sqlite3"
    legacy = new_customer()
    with sqlite3.connect(database) as conn:
        for migration in MIGRATIONS[:2]:
            for statement in migration:
                conn.execute(statement)
        conn.execute("PRAGMA user_version = 2")
        stored = booking(customer_id=legacy, customer_whatsapp="+6281234567890")
        conn.execute("INSERT INTO bookings (id, idempotency_key, request_hash, customer_id, therapist_id,"
                     " created_at, booking_json) VALUES ('bk_old', 'k-old', 'h', ?, 't-ayu', 1, ?)",
                     (legacy, json.dumps(stored)))
    with running_server(database, env=QUIET_ENV) as url, httpx.Client(base_url=url) as client:
        claim = client.get("/api/bookings/last", params={"customer_id": legacy}, headers=bearer(customer_token()))
        assert claim.status_code == 403
        _no_personal_data(claim)


def test_the_access_log_never_contains_a_token(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    customer = new_customer()
    token = customer_token()
    with log.open("wb") as output, server_process(tmp_path / "b.sqlite3", env=QUIET_ENV | {"LOG_LEVEL": "info"},
                                                  output=output) as (url, _):
        with httpx.Client(base_url=url) as client:
            body = booking(customer_id=customer)
            post_booking(client, body, headers=bearer(token))
            client.get("/api/bookings/last", params={"customer_id": customer}, headers=bearer(token))
            client.get("/api/bookings/last", params={"customer_id": customer},
                       headers=bearer(customer_token()))  # a 403 is logged too
    text = log.read_text()
    assert "/api/bookings/last?customer_id=" + customer in text  # the access log is on
    assert token not in text and "Bearer" not in text
