"""Long polls: a waiting GET answers as soon as the other side acts, and hundreds can wait at once.

Each wake-up test first proves its poll is held by the server (``HeldPoll.wait_until_held``), then
acts; the poll waits up to 20 s, so an answer within ``WOKEN_S`` is a wake-up, never the timeout.
How fast a wake-up is belongs to ``make bench`` (chat delivery), not to a bound here.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.backend.conftest import Chat, Server, auth_for, booking, new_key, post_booking
from tests.support.polls import HeldPoll

POLL_WAIT_S = 20
WOKEN_S = 5  # well under the poll's 20 s: room for a loaded machine, no room for a missed wake-up


def test_a_waiting_customer_poll_is_woken_by_the_therapists_reply(server: Server, api: httpx.Client,
                                                                  chat: Chat) -> None:
    chat.send(api, "Are you free?")
    cursor = api.get(chat.customer_path, headers=chat.customer_auth).json()["cursor"]
    poll = HeldPoll(server.url, chat.customer_path, {"after": cursor, "wait": POLL_WAIT_S}, chat.customer_auth)
    poll.wait_until_held()
    sent = time.monotonic()
    assert chat.reply(api, "Yes!").status_code == 201
    status, page, answered = poll.result()
    assert status == 200 and answered - sent < WOKEN_S
    assert [m["message"] for m in page["messages"]] == ["Yes!"]


def test_a_waiting_therapist_poll_is_woken_by_a_customer_message(server: Server, api: httpx.Client,
                                                                 chat: Chat) -> None:
    chat.send(api, "first")
    cursor = api.get(chat.therapist_path + "/messages", headers=chat.therapist_auth).json()["cursor"]
    poll = HeldPoll(server.url, chat.therapist_path + "/messages", {"after": cursor, "wait": POLL_WAIT_S},
                    chat.therapist_auth)
    poll.wait_until_held()
    sent = time.monotonic()
    assert chat.send(api, "second").status_code == 201
    status, page, answered = poll.result()
    assert status == 200 and answered - sent < WOKEN_S
    assert [m["message"] for m in page["messages"]] == ["second"]


def test_with_nothing_new_a_poll_answers_after_the_wait_with_the_same_cursor(api: httpx.Client,
                                                                            chat: Chat) -> None:
    chat.send(api)
    cursor = api.get(chat.customer_path, headers=chat.customer_auth).json()["cursor"]
    started = time.monotonic()
    page = api.get(chat.customer_path, params={"after": cursor, "wait": 1.2},
                   headers=chat.customer_auth).json()
    took = time.monotonic() - started
    assert 1.1 <= took < 5  # its own 1.2 s, far from the server's 30 s cap
    assert page == {"messages": [], "cursor": cursor, "read_through": 0,
                    "replies_read_through": 0}


def test_a_read_mark_wakes_the_customers_poll_and_advances_read_through(server: Server, api: httpx.Client,
                                                                       chat: Chat) -> None:
    chat.send(api, "one")
    chat.send(api, "two")
    page = api.get(chat.customer_path, headers=chat.customer_auth).json()
    assert [m["read"] for m in page["messages"]] == [False, False]
    poll = HeldPoll(server.url, chat.customer_path, {"after": page["cursor"], "wait": POLL_WAIT_S},
                    chat.customer_auth)
    poll.wait_until_held()
    marked = time.monotonic()
    marking = api.post(chat.therapist_path + "/read", headers=chat.therapist_auth)
    assert marking.json() == {"read_through": 2}
    status, woken, answered = poll.result()
    assert status == 200 and answered - marked < WOKEN_S
    assert woken["messages"] == [] and woken["read_through"] == 2 and woken["cursor"] != page["cursor"]
    everything = api.get(chat.customer_path, headers=chat.customer_auth).json()
    assert [m["read"] for m in everything["messages"]] == [True, True]
    chat.send(api, "three")
    resumed = api.get(chat.customer_path, params={"after": woken["cursor"], "wait": 5},
                      headers=chat.customer_auth).json()
    assert [(m["message"], m["read"]) for m in resumed["messages"]] == [("three", False)]


def test_the_conversation_list_poll_wakes_on_a_new_booking(server: Server, api: httpx.Client,
                                                          ayu_auth: dict[str, str]) -> None:
    cursor = api.get("/api/therapist/conversations", headers=ayu_auth).json()["cursor"]
    body = booking()
    poll = HeldPoll(server.url, "/api/therapist/conversations", {"after": cursor, "wait": POLL_WAIT_S}, ayu_auth)
    poll.wait_until_held()
    booked = time.monotonic()
    assert post_booking(api, body).status_code == 201
    status, listing, answered = poll.result()
    assert status == 200 and answered - booked < WOKEN_S
    assert listing["conversations"][0]["customer_id"] == body["customer_id"]
    assert listing["cursor"] != cursor


POLL_WAIT_S = 10


def test_two_hundred_waiting_polls_do_not_hold_up_bookings(server: Server, chat: Chat) -> None:
    async def scenario() -> tuple[list[httpx.Response], list[float]]:
        limits = httpx.Limits(max_connections=260, max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as client:
            first = await client.get(chat.customer_path, headers=chat.customer_auth)  # binds the token once
            params = {"after": first.json()["cursor"], "wait": POLL_WAIT_S}
            polls = [asyncio.create_task(client.get(chat.customer_path, params=params,
                                                    headers=chat.customer_auth)) for _ in range(200)]
            await asyncio.sleep(1.5)  # all of them waiting
            timings = []
            for _ in range(5):
                started = time.monotonic()
                body = booking()
                response = await client.post("/api/bookings", json=body, headers={
                    "Idempotency-Key": new_key(), **auth_for(body["customer_id"])})
                timings.append(time.monotonic() - started)
                assert response.status_code == 201, response.text
            return await asyncio.gather(*polls), timings

    started = time.monotonic()
    polls, timings = asyncio.run(scenario())
    # Polls that held threads would hold the bookings until their wait ends (8.5 s after the first
    # booking); half of that, with room for a loaded machine, tells the two apart.
    assert max(timings) < POLL_WAIT_S / 2, timings
    assert [r.status_code for r in polls] == [200] * 200
    assert all(r.json()["messages"] == [] for r in polls)
    assert time.monotonic() - started < POLL_WAIT_S + 15
