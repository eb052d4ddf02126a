"""Long polls: a waiting GET answers as soon as the other side acts, and hundreds can wait at once."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import httpx

from tests.backend.conftest import Chat, Server, auth_for, booking, new_key, post_booking


def _in_background(call: Callable[[], httpx.Response]) -> tuple[threading.Thread, dict[str, object]]:
    result: dict[str, object] = {}

    def run() -> None:
        started = time.monotonic()
        result["response"] = call()
        result["answered"] = time.monotonic()
        result["took"] = result["answered"] - started  # type: ignore[operator]

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_a_customer_poll_answers_within_a_second_of_the_therapists_reply(server: Server, api: httpx.Client,
                                                                        chat: Chat) -> None:
    chat.send(api, "Are you free?")
    cursor = api.get(chat.customer_path, headers=chat.customer_auth).json()["cursor"]
    with server.client() as poller:
        thread, result = _in_background(lambda: poller.get(
            chat.customer_path, params={"after": cursor, "wait": 10}, headers=chat.customer_auth))
        time.sleep(0.5)  # the poll is waiting now
        assert "response" not in result
        sent = time.monotonic()
        assert chat.reply(api, "Yes!").status_code == 201
        thread.join(timeout=12)
    assert result["answered"] - sent < 1.0  # type: ignore[operator]
    page = result["response"].json()  # type: ignore[attr-defined]
    assert [m["message"] for m in page["messages"]] == ["Yes!"]


def test_a_therapist_poll_answers_within_a_second_of_a_customer_message(server: Server, api: httpx.Client,
                                                                       chat: Chat) -> None:
    chat.send(api, "first")
    cursor = api.get(chat.therapist_path + "/messages", headers=chat.therapist_auth).json()["cursor"]
    with server.client() as poller:
        thread, result = _in_background(lambda: poller.get(
            chat.therapist_path + "/messages", params={"after": cursor, "wait": 10},
            headers=chat.therapist_auth))
        time.sleep(0.5)
        sent = time.monotonic()
        chat.send(api, "second")
        thread.join(timeout=12)
    assert result["answered"] - sent < 1.0  # type: ignore[operator]
    page = result["response"].json()  # type: ignore[attr-defined]
    assert [m["message"] for m in page["messages"]] == ["second"]


def test_with_nothing_new_a_poll_answers_after_the_wait_with_the_same_cursor(api: httpx.Client,
                                                                            chat: Chat) -> None:
    chat.send(api)
    cursor = api.get(chat.customer_path, headers=chat.customer_auth).json()["cursor"]
    started = time.monotonic()
    page = api.get(chat.customer_path, params={"after": cursor, "wait": 1.2},
                   headers=chat.customer_auth).json()
    took = time.monotonic() - started
    assert 1.1 <= took < 2.5
    assert page == {"messages": [], "cursor": cursor, "read_through": 0,
                    "replies_read_through": 0}


def test_a_read_mark_wakes_the_customers_poll_and_advances_read_through(server: Server, api: httpx.Client,
                                                                       chat: Chat) -> None:
    chat.send(api, "one")
    chat.send(api, "two")
    page = api.get(chat.customer_path, headers=chat.customer_auth).json()
    assert [m["read"] for m in page["messages"]] == [False, False]
    with server.client() as poller:
        thread, result = _in_background(lambda: poller.get(
            chat.customer_path, params={"after": page["cursor"], "wait": 10}, headers=chat.customer_auth))
        time.sleep(0.5)
        marked = time.monotonic()
        marking = api.post(chat.therapist_path + "/read", headers=chat.therapist_auth)
        assert marking.json() == {"read_through": 2}
        thread.join(timeout=12)
    assert result["answered"] - marked < 1.0  # type: ignore[operator]
    woken = result["response"].json()  # type: ignore[attr-defined]
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
    with server.client() as poller:
        thread, result = _in_background(lambda: poller.get(
            "/api/therapist/conversations", params={"after": cursor, "wait": 10}, headers=ayu_auth))
        time.sleep(0.5)
        booked = time.monotonic()
        assert post_booking(api, body).status_code == 201
        thread.join(timeout=12)
    assert result["answered"] - booked < 1.0  # type: ignore[operator]
    listing = result["response"].json()  # type: ignore[attr-defined]
    assert listing["conversations"][0]["customer_id"] == body["customer_id"]
    assert listing["cursor"] != cursor


def test_two_hundred_waiting_polls_do_not_hold_up_bookings(server: Server, chat: Chat) -> None:
    async def scenario() -> tuple[list[httpx.Response], list[float]]:
        limits = httpx.Limits(max_connections=260, max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as client:
            first = await client.get(chat.customer_path, headers=chat.customer_auth)  # binds the token once
            params = {"after": first.json()["cursor"], "wait": 5}
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
    assert max(timings) < 1.0, timings
    assert [r.status_code for r in polls] == [200] * 200
    assert all(r.json()["messages"] == [] for r in polls)
    assert time.monotonic() - started < 15
