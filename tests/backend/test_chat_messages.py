"""Messages in a conversation: stored exactly once per id, in order, in the shape both sides read."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from tests.backend.conftest import Chat, Server, chat_message, field_errors, rows


def test_a_new_message_is_201_with_the_stored_message_and_starts_the_conversation(
        server: Server, api: httpx.Client, chat: Chat) -> None:
    body = chat_message(chat.customer_id, "Is Saturday free?")
    before = int(time.time() * 1000)
    response = api.post(chat.customer_path, json=body, headers=chat.customer_auth)
    assert response.status_code == 201, response.text
    stored = response.json()
    assert stored == {"id": body["id"], "session_id": chat.session_id, "sender_type": "customer",
                      "sender_id": chat.customer_id, "message": "Is Saturday free?",
                      "timestamp": body["timestamp"], "server_time": stored["server_time"], "seq": 1,
                      "read": False, "event": None}
    assert before - 1000 <= stored["server_time"] <= int(time.time() * 1000) + 1000
    assert rows(server.database, "SELECT therapist_id, customer_id FROM conversations WHERE session_id = ?",
                chat.session_id) == [("t-ayu", chat.customer_id)]


def test_the_same_id_and_content_twice_is_one_row_and_a_200_replay(server: Server, api: httpx.Client,
                                                                    chat: Chat) -> None:
    body = chat_message(chat.customer_id)
    first = api.post(chat.customer_path, json=body, headers=chat.customer_auth)
    again = api.post(chat.customer_path, json=body | {"is_read": True}, headers=chat.customer_auth)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert rows(server.database, "SELECT count(*) FROM messages WHERE session_id = ? AND id = ?",
                chat.session_id, body["id"]) == [(1,)]


@pytest.mark.parametrize("change", [{"message": "Something else"}, {"timestamp": 1}],
                         ids=["other-text", "other-timestamp"])
def test_the_same_id_with_different_content_is_422_on_id(server: Server, api: httpx.Client, chat: Chat,
                                                         change: dict[str, object]) -> None:
    body = chat_message(chat.customer_id)
    api.post(chat.customer_path, json=body, headers=chat.customer_auth)
    refused = api.post(chat.customer_path, json=body | change, headers=chat.customer_auth)
    assert list(field_errors(refused)) == ["id"]
    assert rows(server.database, "SELECT message, timestamp FROM messages WHERE session_id = ?",
                chat.session_id) == [(body["message"], body["timestamp"])]


def test_twenty_parallel_posts_of_one_message_store_exactly_one_row(server: Server, chat: Chat) -> None:
    body = chat_message(chat.customer_id, "Only once, please")
    answers: list[httpx.Response] = []
    start = threading.Barrier(20)

    def post() -> None:
        with server.client() as client:
            start.wait()
            answers.append(client.post(chat.customer_path, json=body, headers=chat.customer_auth))

    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in answers) == [200] * 19 + [201], [r.text for r in answers]
    assert len({r.text for r in answers}) == 1  # the same stored message, byte for byte
    assert rows(server.database, "SELECT count(*) FROM messages WHERE session_id = ?",
                chat.session_id) == [(1,)]


@pytest.mark.parametrize(("change", "field"), [
    ({"sender_type": "therapist"}, "sender_type"), ({"sender_type": "system"}, "sender_type"),
    ({"sender_id": "c-someone-else"}, "sender_id"), ({"message": ""}, "message"),
    ({"message": "x" * 2001}, "message"), ({"id": "has spaces"}, "id"), ({"timestamp": -1}, "timestamp"),
], ids=["therapist", "system", "other-sender", "empty", "too-long", "bad-id", "negative-time"])
def test_a_message_that_is_not_the_customers_own_is_422_naming_the_field(
        api: httpx.Client, chat: Chat, change: dict[str, object], field: str) -> None:
    response = api.post(chat.customer_path, json=chat_message(chat.customer_id) | change,
                        headers=chat.customer_auth)
    assert list(field_errors(response)) == [field]


@pytest.mark.parametrize("session_id", ["session_t-nobody_c-1", "chat_t-ayu_c-1", "session_t-ayu_",
                                        "session_t-ayu_c%20x"],
                         ids=["unknown-therapist", "no-prefix", "no-customer", "space"])
def test_a_session_id_naming_nobody_we_know_is_422_on_session_id(api: httpx.Client, chat: Chat,
                                                                 session_id: str) -> None:
    response = api.get(f"/api/conversations/{session_id}/messages", headers=chat.customer_auth)
    assert list(field_errors(response)) == ["session_id"]


@pytest.mark.parametrize("customer", ["c-1", "0B7E5A2C-1D2E-4F3A-8B4C-5D6E7F8A9B0C", "0b7e5a2c1d2e4f3a8b4c5d6e7f8a9b0c",
                                      "0b7e5a2c-1d2e-1f3a-8b4c-5d6e7f8a9b0c", "0b7e5a2c-1d2e-4f3a-cb4c-5d6e7f8a9b0c",
                                      "c" * 65],
                         ids=["not-uuid", "uppercase", "no-hyphens", "version-1", "wrong-variant",
                              "too-long"])
def test_a_session_whose_customer_id_is_not_a_canonical_uuid4_is_422_on_customer_id(
        api: httpx.Client, chat: Chat, customer: str) -> None:
    response = api.get(f"/api/conversations/session_t-ayu_{customer}/messages", headers=chat.customer_auth)
    assert list(field_errors(response)) == ["customer_id"]


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"id": "m1"}', b"\xff\xfe"],
                         ids=["not-json", "array", "incomplete", "bad-utf8"])
def test_bodies_that_are_not_a_message_are_422_never_5xx(api: httpx.Client, chat: Chat, body: bytes) -> None:
    response = api.post(chat.customer_path, content=body, headers=chat.customer_auth)
    assert response.status_code == 422 and response.json()["errors"]


def test_a_message_body_over_16_kb_is_413(api: httpx.Client, chat: Chat) -> None:
    response = api.post(chat.customer_path, headers=chat.customer_auth,
                        json=chat_message(chat.customer_id, "x" * 17_000))
    assert response.status_code == 413


def test_a_conversation_not_started_reads_as_empty_with_a_cursor(api: httpx.Client, chat: Chat) -> None:
    response = api.get(chat.customer_path, headers=chat.customer_auth)
    assert response.status_code == 200
    page = response.json()
    assert page["messages"] == [] and page["read_through"] == 0 and page["cursor"]
    again = api.get(chat.customer_path, params={"after": page["cursor"]}, headers=chat.customer_auth)
    assert again.json() == page


def test_both_sides_read_the_conversation_oldest_first_and_resume_from_the_cursor(
        api: httpx.Client, chat: Chat) -> None:
    chat.send(api, "one")
    chat.send(api, "two")
    first = api.get(chat.customer_path, headers=chat.customer_auth).json()
    chat.reply(api, "three")
    chat.send(api, "four")
    rest = api.get(chat.customer_path, params={"after": first["cursor"]}, headers=chat.customer_auth).json()
    therapist = api.get(chat.therapist_path + "/messages", headers=chat.therapist_auth).json()
    assert [m["message"] for m in first["messages"]] == ["one", "two"]
    assert [m["message"] for m in rest["messages"]] == ["three", "four"]
    assert therapist["messages"] == first["messages"] + rest["messages"]
    assert [m["seq"] for m in therapist["messages"]] == [1, 2, 3, 4]
    reply = therapist["messages"][2]
    assert (reply["sender_type"], reply["sender_id"], reply["read"]) == ("therapist", "t-ayu", None)
    nothing = api.get(chat.customer_path, params={"after": rest["cursor"]}, headers=chat.customer_auth).json()
    assert nothing == {"messages": [], "cursor": rest["cursor"], "read_through": 0,
                       "replies_read_through": 0}


@pytest.mark.parametrize("params", [{"after": "garbage"}, {"after": "m.1"}, {"after": "m.-1.0"}],
                         ids=["garbage", "short", "negative"])
def test_a_bad_cursor_is_422_on_after(api: httpx.Client, chat: Chat, params: dict[str, str]) -> None:
    response = api.get(chat.customer_path, params=params, headers=chat.customer_auth)
    assert list(field_errors(response)) == ["after"]


@pytest.mark.parametrize("wait", ["31", "-1", "nan", "soon"])
def test_a_wait_outside_0_to_30_seconds_is_422_on_wait(api: httpx.Client, chat: Chat, wait: str) -> None:
    response = api.get(chat.customer_path, params={"wait": wait}, headers=chat.customer_auth)
    assert list(field_errors(response)) == ["wait"]


def test_a_reply_is_once_per_id_and_needs_a_started_conversation(server: Server, api: httpx.Client,
                                                                chat: Chat) -> None:
    assert chat.reply(api).status_code == 404  # nothing to reply to yet
    chat.send(api)
    first = chat.reply(api, "See you at 3", message_id="r-1")
    again = chat.reply(api, "See you at 3", message_id="r-1")
    other = chat.reply(api, "See you at 4", message_id="r-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert list(field_errors(other)) == ["id"]
    extra = api.post(chat.therapist_path + "/messages", headers=chat.therapist_auth,
                     json={"id": "r-2", "message": "hi", "sender_type": "customer"})
    assert list(field_errors(extra)) == ["sender_type"]
    assert rows(server.database, "SELECT count(*) FROM messages WHERE session_id = ? AND sender_type = ?",
                chat.session_id, "therapist") == [(1,)]


def test_a_message_with_a_nul_character_is_a_422_on_both_engines_never_a_500(server: Server, api: httpx.Client,
                                                                             chat: Chat, engine: str) -> None:
    # JSON "\u0000" is valid JSON and valid text, but no message needs it and PostgreSQL cannot store
    # it: the strict body refuses it (a C0 control) on every engine, naming the field.
    body = chat_message(chat.customer_id, "nul \x00 inside")
    response = api.post(chat.customer_path, json=body, headers=chat.customer_auth)
    assert list(field_errors(response)) == ["message"]
    assert rows(server.database, "SELECT count(*) FROM messages WHERE session_id = ?",
                chat.session_id) == [(0,)]
    assert api.post(chat.customer_path, json=chat_message(chat.customer_id, "fine"),
                    headers=chat.customer_auth).status_code == 201  # the conversation is not stuck
