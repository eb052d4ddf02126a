"""Input that must be refused with a 422 naming the field: bookings, chat messages and replies."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.backend.conftest import (
    Chat,
    Server,
    auth_for,
    booking,
    chat_message,
    field_errors,
    post_booking,
    rows,
)

BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
HIDDEN = {**{f"bidi-{ord(c):04X}": c for c in BIDI}, "c1-0085": "\u0085", "c1-009b": "\u009b",
          "line-separator": "\u2028", "paragraph-separator": "\u2029"}


def test_the_catalog_decides_the_therapists_name(server: Server, api: httpx.Client) -> None:
    wrong = post_booking(api, booking(therapist_name="Someone Else"))
    assert list(field_errors(wrong)) == ["therapist_name"]
    empty = post_booking(api, booking(therapist_name=""))  # no name given: the catalog's is stored
    assert empty.status_code == 201 and empty.json()["booking"]["therapist_name"] == "Ayu Lestari"
    assert '"therapist_name":"Ayu Lestari"' in rows(server.database, "SELECT booking_json FROM bookings"
                                                    " WHERE id = ?", empty.json()["id"])[0][0]


@pytest.mark.parametrize("name", ["\u200b\u200b\u200b", "\u200b\u200c\u200d\u2060\ufeff", "A\u200b"],
                         ids=["zero-width-spaces", "zero-width-mix", "one-visible"])
def test_a_name_without_two_visible_characters_is_refused(api: httpx.Client, name: str) -> None:
    assert list(field_errors(post_booking(api, booking(customer_name=name)))) == ["customer_name"]


@pytest.mark.parametrize("char", list(HIDDEN.values()), ids=list(HIDDEN))
@pytest.mark.parametrize("field", ["customer_name", "therapist_name"])
def test_names_with_direction_overrides_c1_controls_or_separators_are_refused(api: httpx.Client, char: str,
                                                                             field: str) -> None:
    base = booking()[field]
    assert list(field_errors(post_booking(api, booking(**{field: base[:2] + char + base[2:]})))) == [field]


@pytest.mark.parametrize("char", list(HIDDEN.values()) + ["\x00", "\x1b"], ids=list(HIDDEN) + ["nul", "escape"])
def test_messages_and_replies_with_hidden_characters_are_refused(api: httpx.Client, chat: Chat,
                                                                 char: str) -> None:
    assert list(field_errors(chat.send(api, f"see you at {char}3 pm"))) == ["message"]
    assert chat.send(api, "first, so the conversation exists").status_code == 201
    assert list(field_errors(chat.reply(api, f"yes {char}ok"))) == ["message"]


def test_a_message_of_only_invisible_characters_is_refused_and_newlines_are_fine(api: httpx.Client,
                                                                                 chat: Chat) -> None:
    assert list(field_errors(chat.send(api, "\u200b\u200d"))) == ["message"]
    assert chat.send(api, "line one\nline two\ttabbed").status_code == 201


@pytest.mark.parametrize(("overrides", "field"), [
    ({"price": "475000"}, "price"), ({"price": 475000.0}, "price"), ({"duration": 90.0}, "duration"),
    ({"duration": "90"}, "duration"), ({"duration": True}, "duration"), ({"price": True}, "price"),
], ids=["price-string", "price-float", "duration-float", "duration-string", "duration-bool", "price-bool"])
def test_numbers_must_be_json_integers(api: httpx.Client, overrides: dict[str, object], field: str) -> None:
    assert list(field_errors(post_booking(api, booking(**overrides)))) == [field]


def test_a_message_timestamp_must_be_a_json_integer(api: httpx.Client, chat: Chat) -> None:
    for timestamp in (1700000000000.0, "1700000000000"):
        response = api.post(chat.customer_path, json=chat_message(chat.customer_id, timestamp=timestamp),
                            headers=chat.customer_auth)
        assert list(field_errors(response)) == ["timestamp"]


def test_a_duplicate_key_is_refused_rather_than_the_last_one_winning(server: Server, api: httpx.Client) -> None:
    body = booking()
    victim = booking()["customer_id"]
    text = json.dumps(body)[:-1] + f', "customer_id": "{victim}"}}'
    response = post_booking(api, text, headers={"Content-Type": "application/json",
                                                **auth_for(body["customer_id"])})
    assert list(field_errors(response)) == ["customer_id"]
    assert rows(server.database, "SELECT count(*) FROM bookings WHERE customer_id IN (?, ?)",
                body["customer_id"], victim) == [(0,)]


def test_duplicate_keys_in_messages_and_replies_are_refused(api: httpx.Client, chat: Chat) -> None:
    text = json.dumps(chat_message(chat.customer_id, "first"))[:-1] + ', "message": "second"}'
    response = api.post(chat.customer_path, content=text, headers=chat.customer_auth)
    assert list(field_errors(response)) == ["message"]
    chat.send(api)
    reply = api.post(chat.therapist_path + "/messages", headers=chat.therapist_auth,
                     content='{"id": "r-1", "message": "yes", "id": "r-2"}')
    assert list(field_errors(reply)) == ["id"]
