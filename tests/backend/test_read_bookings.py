"""Reading bookings back: by id, a customer's last one (to prefill a draft), and the admin list."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.backend.conftest import (
    ADDRESS,
    QUIET_ENV,
    Location,
    Server,
    auth_for,
    bearer,
    booking,
    customer_token,
    field_errors,
    new_customer,
    post_booking,
)
from tests.support.server import running_server

ADMIN_TOKEN = "test-admin-token-5f1c-0123456789abcdef"


def last(client: httpx.Client, customer_id: str, headers: dict[str, str] | None = None) -> httpx.Response:
    auth = auth_for(customer_id) if headers is None else headers
    return client.get("/api/bookings/last", params={"customer_id": customer_id}, headers=auth)


def test_a_booking_can_be_read_back_by_its_id(api: httpx.Client) -> None:
    body = booking()
    created = post_booking(api, body).json()
    response = api.get(f"/api/bookings/{created['id']}", headers=auth_for(body["customer_id"]))
    assert response.status_code == 200
    assert response.json() == created


@pytest.mark.parametrize("booking_id", ["bk_doesnotexist0000", "last-but-not-least", "x" * 500, "%00"])
def test_an_unknown_booking_id_is_404(api: httpx.Client, booking_id: str) -> None:
    response = api.get(f"/api/bookings/{booking_id}", headers=bearer(customer_token()))
    assert response.status_code == 404
    assert response.json() == {"detail": "No booking with this id."}


def test_last_booking_is_404_until_the_customer_books_then_returns_reusable_fields(api: httpx.Client) -> None:
    customer = new_customer()
    before = last(api, customer)
    assert before.status_code == 404
    assert before.json()["detail"]

    post_booking(api, booking(customer_id=customer))
    after = last(api, customer)
    assert after.status_code == 200
    reusable = {"customer_name": "Ana Putri", "customer_whatsapp": "+6281234567890", "location_type": "villa",
                "massage_for": "partner", "duration": 90, "address": ADDRESS}
    assert {name: after.json()[name] for name in reusable} == reusable
    # ...and the booking itself, so a page reloaded elsewhere shows its status.
    assert after.json()["status"] == "requested" and after.json()["time_zone_label"] == "WITA"


def test_last_booking_is_the_most_recent_one(api: httpx.Client) -> None:
    customer = new_customer()
    post_booking(api, booking(customer_id=customer))
    post_booking(api, booking(customer_id=customer, customer_name="Ana P.", location_type="hotel",
                              duration=60, price=350000))
    newest = last(api, customer).json()
    assert (newest["customer_name"], newest["location_type"], newest["duration"]) == ("Ana P.", "hotel", 60)


def test_last_booking_of_another_customer_is_not_shown(api: httpx.Client) -> None:
    post_booking(api, booking())
    assert last(api, new_customer()).status_code == 404


@pytest.mark.parametrize("params",
                         [{}, {"customer_id": ""}, {"customer_id": "a b"}, {"customer_id": "c" * 65},
                          {"customer_id": "c-1234"}, {"customer_id": "0B7E5A2C-1D2E-4F3A-8B4C-5D6E7F8A9B0C"},
                          {"customer_id": "0b7e5a2c-1d2e-1f3a-8b4c-5d6e7f8a9b0c"}],
                         ids=["missing", "empty", "bad-characters", "too-long", "not-uuid", "uppercase",
                              "version-1"])
def test_last_booking_without_a_valid_customer_id_is_422_on_customer_id(api: httpx.Client,
                                                                       params: dict[str, str]) -> None:
    response = api.get("/api/bookings/last", params=params, headers=bearer(customer_token()))
    assert list(field_errors(response)) == ["customer_id"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer anything"}],
                         ids=["no-token", "some-token"])
def test_listing_is_refused_with_403_when_no_admin_token_is_configured(api: httpx.Client,
                                                                       headers: dict[str, str]) -> None:
    response = api.get("/api/bookings", headers=headers)
    assert response.status_code == 403
    assert "BOOKING_ADMIN_TOKEN" in response.json()["detail"]


@pytest.fixture(scope="module")
def admin_server(new_database: Callable[[], Location]) -> Iterator[Server]:
    database = new_database()
    with running_server(database, env=QUIET_ENV | {"BOOKING_ADMIN_TOKEN": ADMIN_TOKEN}) as url:
        yield Server(url, database)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": f"Bearer {ADMIN_TOKEN}x"},
                                     {"Authorization": f"Basic {ADMIN_TOKEN}"},
                                     {"Authorization": b"Bearer \xe9\xe9"}],
                         ids=["missing", "wrong", "longer", "wrong-scheme", "not-ascii"])
def test_listing_with_a_missing_or_wrong_token_is_401(admin_server: Server,
                                                      headers: dict[str, str | bytes]) -> None:
    with admin_server.client() as client:
        response = client.get("/api/bookings", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["detail"]


def test_listing_with_the_admin_token_returns_bookings_newest_first(admin_server: Server) -> None:
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with admin_server.client() as client:
        ids = [post_booking(client, booking()).json()["id"] for _ in range(3)]  # type: ignore[index]
        everything = client.get("/api/bookings", headers=auth)
        newest_two = client.get("/api/bookings", params={"limit": 2}, headers=auth)
        too_many = client.get("/api/bookings", params={"limit": 0}, headers=auth)
    assert everything.status_code == 200
    assert [b["id"] for b in everything.json()["bookings"]][:3] == ids[::-1]
    assert [b["id"] for b in newest_two.json()["bookings"]] == ids[:0:-1]
    assert list(field_errors(too_many)) == ["limit"]
