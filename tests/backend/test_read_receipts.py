"""Read receipts both ways (issue 21, item 9): the customer's page marks the therapist's replies
it showed, and the therapist's poll hears of it, on both engines."""

from __future__ import annotations

import threading

import httpx

from tests.backend.conftest import Chat, Server, auth_for, new_customer, rows


def mark(client: httpx.Client, chat: Chat, through: int, auth: dict[str, str] | None = None) -> httpx.Response:
    return client.post(f"/api/conversations/{chat.session_id}/read", params={"through": through},
                       headers=auth or chat.customer_auth)


def test_replies_the_customer_was_shown_are_read_for_the_therapist(server: Server, api: httpx.Client,
                                                                   chat: Chat) -> None:
    assert chat.send(api, "Is 3 pm free?").status_code == 201
    first = chat.reply(api, "Yes").json()
    second = chat.reply(api, "See you then").json()
    page = api.get(chat.therapist_path + "/messages", headers=chat.therapist_auth).json()
    assert page["replies_read_through"] == 0

    answer = mark(api, chat, first["seq"])
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"read_through": first["seq"]}
    page = api.get(chat.therapist_path + "/messages", headers=chat.therapist_auth).json()
    assert page["replies_read_through"] == first["seq"] < second["seq"]
    assert rows(server.database, "SELECT replies_read_through FROM conversations WHERE session_id = ?",
                chat.session_id) == [(first["seq"],)]


def test_a_mark_never_runs_ahead_of_the_replies_nor_goes_back(api: httpx.Client, chat: Chat) -> None:
    chat.send(api)
    reply = chat.reply(api).json()
    assert mark(api, chat, 10**6).json() == {"read_through": reply["seq"]}  # capped at the newest reply
    assert mark(api, chat, 0).json() == {"read_through": reply["seq"]}      # never backwards


def test_only_the_conversations_customer_can_mark_and_only_an_existing_one(api: httpx.Client, chat: Chat) -> None:
    chat.send(api)
    chat.reply(api)
    assert mark(api, chat, 5, auth=auth_for(new_customer())).status_code == 403
    other = new_customer()
    missing = Chat(chat.server, other, auth_for(other), chat.therapist_auth)
    assert mark(api, missing, 1).status_code == 404
    assert mark(api, chat, -1).status_code == 422


def test_a_waiting_therapist_poll_wakes_up_on_the_customers_mark(api: httpx.Client, chat: Chat) -> None:
    chat.send(api)
    reply = chat.reply(api).json()
    cursor = api.get(chat.therapist_path + "/messages", headers=chat.therapist_auth).json()["cursor"]
    answers: list[dict] = []

    def wait() -> None:
        with httpx.Client(base_url=str(api.base_url), timeout=30) as client:
            answers.append(client.get(chat.therapist_path + "/messages", headers=chat.therapist_auth,
                                      params={"after": cursor, "wait": 20}).json())

    waiter = threading.Thread(target=wait)
    waiter.start()
    threading.Event().wait(0.5)
    mark(api, chat, reply["seq"])
    waiter.join(timeout=10)
    assert answers and answers[0]["replies_read_through"] == reply["seq"] and answers[0]["messages"] == []
    assert answers[0]["cursor"].endswith(f".{reply['seq']}")
