"""POST /api/bookings: a validated booking is created exactly once per Idempotency-Key."""

from __future__ import annotations

import asyncio
import json
import re
import time

import httpx
import pytest

from tests.backend.conftest import (
    Server,
    auth_for,
    bearer,
    booking,
    customer_token,
    field_errors,
    new_key,
    post_booking,
    rows,
)


def test_first_post_creates_a_booking_request_with_an_unguessable_id(api: httpx.Client) -> None:
    body = booking()
    before = int(time.time() * 1000)
    response = post_booking(api, body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert re.fullmatch(r"bk_[A-Za-z0-9_-]{16}", created["id"])
    assert created["status"] == "requested"  # the therapist has not answered yet
    assert before - 1000 <= created["created_at"] <= int(time.time() * 1000) + 1000
    assert created["booking"] == body | {"customer_whatsapp": "+6281234567890", "starts_at": None,
                                         "whatsapp_updates": False}


def test_same_key_and_body_replays_the_stored_booking_without_a_new_row(server: Server,
                                                                       api: httpx.Client) -> None:
    body, key = booking(), new_key()
    first = post_booking(api, body, key)
    again = post_booking(api, body, key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert rows(server.database, "SELECT id FROM bookings WHERE idempotency_key = ?", key) == [
        (first.json()["id"],)]
    assert rows(server.database, "SELECT count(*) FROM bookings WHERE customer_id = ?",
                body["customer_id"]) == [(1,)]


def test_a_retry_that_only_formats_the_number_differently_is_the_same_booking(api: httpx.Client) -> None:
    body, key = booking(customer_whatsapp="+62 812-3456-7890"), new_key()
    first = post_booking(api, body, key)
    again = post_booking(api, body | {"customer_whatsapp": "0062 (812) 34567890"}, key)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]


def test_twenty_concurrent_posts_with_one_key_create_exactly_one_booking(server: Server) -> None:
    body, key = booking(), new_key()

    async def post_all() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=20)
        async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as client:
            return await asyncio.gather(*(
                client.post("/api/bookings", json=body, headers={"Idempotency-Key": key,
                                                                  **auth_for(body["customer_id"])})
                for _ in range(20)))

    responses = asyncio.run(post_all())
    assert [r.status_code for r in responses] == [201] * 20, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert rows(server.database, "SELECT count(*) FROM bookings WHERE idempotency_key = ?", key) == [(1,)]
    assert rows(server.database, "SELECT count(*) FROM bookings WHERE customer_id = ?",
                body["customer_id"]) == [(1,)]


def test_same_key_with_a_different_body_is_refused_with_422(server: Server, api: httpx.Client) -> None:
    body, key = booking(), new_key()
    first = post_booking(api, body, key)
    other = post_booking(api, body | {"duration": 60, "price": 350000}, key)
    assert field_errors(other) == {None: other.json()["detail"]}
    assert "already used" in other.json()["detail"]
    assert other.json()["errors"][0]["type"] == "idempotency_key_reused"
    stored = rows(server.database, "SELECT id, booking_json FROM bookings WHERE idempotency_key = ?", key)
    assert len(stored) == 1 and stored[0][0] == first.json()["id"] and '"duration":90' in stored[0][1]


@pytest.mark.parametrize("headers", [{}, {"Idempotency-Key": ""}, {"Idempotency-Key": "k" * 129},
                                     {"Idempotency-Key": "key with spaces"}, {"Idempotency-Key": b"cl\xe9"}],
                         ids=["missing", "empty", "too-long", "spaces", "not-ascii"])
def test_a_missing_or_malformed_idempotency_key_is_400(server: Server, api: httpx.Client,
                                                       headers: dict[str, str | bytes]) -> None:
    body = booking()
    response = api.post("/api/bookings", json=body, headers=headers | auth_for(body["customer_id"]))
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert rows(server.database, "SELECT count(*) FROM bookings WHERE customer_id = ?",
                body["customer_id"]) == [(0,)]


def test_a_key_of_128_characters_is_accepted(api: httpx.Client) -> None:
    assert post_booking(api, booking(), "k" * 128).status_code == 201


def test_an_unknown_therapist_is_422_on_therapist_id(api: httpx.Client) -> None:
    errors = field_errors(post_booking(api, booking(therapist_id="t-nobody")))
    assert list(errors) == ["therapist_id"]


@pytest.mark.parametrize(("duration", "price"), [(90, 1), (90, 475001), (90, 350000), (60, 475000),
                                                 (120, 550000)])
def test_only_the_catalog_price_for_the_duration_is_accepted(api: httpx.Client, duration: int,
                                                             price: int) -> None:
    response = post_booking(api, booking(duration=duration, price=price))
    errors = field_errors(response)
    assert list(errors) == ["price"]
    expected = {60: "350,000", 90: "475,000", 120: "600,000"}[duration]
    assert expected in errors["price"]


@pytest.mark.parametrize(("therapist", "name", "duration", "price"),
                         [("t-made", "Made Wirawan", 60, 400000), ("t-sari", "Sari Dewi", 120, 550000)])
def test_each_therapist_is_booked_at_their_own_catalog_price(api: httpx.Client, therapist: str, name: str,
                                                             duration: int, price: int) -> None:
    response = post_booking(api, booking(therapist_id=therapist, therapist_name=name, duration=duration,
                                         price=price))
    assert response.status_code == 201, response.text


def test_a_refused_booking_does_not_use_up_its_key(api: httpx.Client) -> None:
    key = new_key()
    assert post_booking(api, booking(price=1), key).status_code == 422
    assert post_booking(api, booking(), key).status_code == 201


@pytest.mark.parametrize(("overrides", "fields"), [
    ({"customer_whatsapp": "12345"}, {"customer_whatsapp"}),
    ({"customer_name": "A"}, {"customer_name"}),
    ({"customer_name": "Ana\x00"}, {"customer_name"}),
    ({"duration": 45}, {"duration"}),
    ({"location_type": "boat", "massage_for": "dog"}, {"location_type", "massage_for"}),
    ({"customer_id": "has spaces!"}, {"customer_id"}),
    ({"price": "lots"}, {"price"}),
    ({"surprise": True}, {"surprise"}),
])
def test_invalid_fields_are_422_with_each_field_named(api: httpx.Client, overrides: dict[str, object],
                                                      fields: set[str]) -> None:
    errors = field_errors(post_booking(api, booking(**overrides)))
    assert set(errors) == fields
    assert all(message for message in errors.values())


def test_a_missing_field_is_named_in_the_422(api: httpx.Client) -> None:
    body = booking()
    del body["customer_whatsapp"], body["price"]
    assert set(field_errors(post_booking(api, body))) == {"customer_whatsapp", "price"}


def test_a_field_validator_message_reaches_the_client_without_pydantic_prefix(api: httpx.Client) -> None:
    errors = field_errors(post_booking(api, booking(customer_whatsapp="not a number")))
    assert errors["customer_whatsapp"].startswith("must be a valid international number")


@pytest.mark.parametrize("content", [b"", b"not json", b"\xff\xfe\x00", b"{", b"[]", b"null", b"42",
                                     b'"a string"', b"[" * 5000, b'{"price": 1e999}'],
                         ids=["empty", "text", "bad-utf8", "truncated", "array", "null", "number",
                              "string", "deep-nesting", "huge-number"])
def test_bodies_that_are_not_a_booking_object_are_422_never_5xx(api: httpx.Client, content: bytes) -> None:
    response = post_booking(api, content, headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["errors"]


def test_json_sent_with_another_content_type_is_still_validated(api: httpx.Client) -> None:
    response = post_booking(api, json.dumps(booking()), headers={"Content-Type": "text/plain"})
    assert response.status_code == 201


def test_a_body_declared_larger_than_16_kb_is_413(server: Server, api: httpx.Client) -> None:
    body = booking(therapist_name="x" * 17_000)
    response = post_booking(api, body)
    assert response.status_code == 413
    assert "16384" in response.json()["detail"]
    assert rows(server.database, "SELECT count(*) FROM bookings WHERE customer_id = ?",
                body["customer_id"]) == [(0,)]


def test_a_chunked_body_without_length_is_cut_off_at_16_kb_with_413(api: httpx.Client) -> None:
    def chunks():
        for _ in range(20):
            yield b" " * 1024  # 20 KB of whitespace, streamed without Content-Length

    response = api.post("/api/bookings", content=chunks(),
                        headers={"Idempotency-Key": new_key(), **bearer(customer_token())})
    assert "content-length" not in response.request.headers
    assert response.status_code == 413


def test_a_booking_padded_to_exactly_16_kb_is_accepted(api: httpx.Client) -> None:
    text = json.dumps(booking())
    padded = text[:-1] + " " * (16 * 1024 - len(text)) + "}"
    assert len(padded.encode()) == 16 * 1024
    response = post_booking(api, padded, headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text
