"""An Idempotency-Key is the customer's own, and a stored booking's retry is answered whatever the
catalog says today (both engines)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.backend.conftest import (
    QUIET_ENV,
    Location,
    Server,
    auth_for,
    booking,
    new_key,
    post_booking,
    rows,
)
from tests.support.server import ROOT, running_server


def test_two_customers_with_the_same_key_each_get_their_own_booking(server: Server, api: httpx.Client) -> None:
    key = new_key()
    first, second = booking(), booking(customer_name="Budi Santoso")
    one = post_booking(api, first, key)
    two = post_booking(api, second, key)
    assert (one.status_code, two.status_code) == (201, 201), two.text
    assert "Idempotent-Replayed" not in two.headers
    assert two.json()["booking"]["customer_name"] == "Budi Santoso"
    assert "Ana Putri" not in two.text  # never the other customer's booking
    assert rows(server.database, "SELECT count(*) FROM bookings WHERE idempotency_key = ?", key) == [(2,)]
    replay = post_booking(api, second, key)
    assert replay.status_code == 201 and replay.json() == two.json()


def _catalog(tmp_path: Path, ayu: str) -> Path:
    data = json.loads((ROOT / "static" / "data" / "therapists.json").read_text())
    for therapist in data["therapists"]:
        if therapist["id"] == "t-ayu":
            therapist["name"] = ayu
    path = tmp_path / f"catalog-{len(ayu)}.json"
    path.write_text(json.dumps(data))
    return path


def test_a_retry_of_a_stored_booking_is_answered_after_the_therapist_is_renamed(
        new_database: Callable[[], Location], tmp_path: Path) -> None:
    database = new_database()
    body, key = booking(), new_key()  # names "Ayu Lestari", as the page's catalog did
    before = QUIET_ENV | {"CATALOG_PATH": str(_catalog(tmp_path, "Ayu Lestari"))}
    with running_server(database, env=before) as url, httpx.Client(base_url=url) as client:
        created = post_booking(client, body, key)
        assert created.status_code == 201
        empty_name = booking(customer_id=body["customer_id"], therapist_name="")
        filled = post_booking(client, empty_name, other_key := new_key())
        assert filled.status_code == 201
    after = QUIET_ENV | {"CATALOG_PATH": str(_catalog(tmp_path, "Ayu Lestari-Wijaya"))}
    with running_server(database, env=after) as url, httpx.Client(base_url=url) as client:
        retried = post_booking(client, body, key)
        assert retried.status_code == 201, retried.text
        assert retried.headers["Idempotent-Replayed"] == "true"
        assert retried.json() == created.json()
        assert post_booking(client, empty_name, other_key).json() == filled.json()
        # A new booking meets today's catalog.
        fresh = post_booking(client, booking(customer_id=body["customer_id"]), new_key())
        assert fresh.status_code == 422 and fresh.json()["errors"][0]["field"] == "therapist_name"
        assert client.get(f"/api/bookings/{created.json()['id']}",
                          headers=auth_for(body["customer_id"])).status_code == 200
