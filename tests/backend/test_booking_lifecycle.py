"""A booking's life through the real server, on both engines: the therapist accepts, declines,
cancels or completes, the customer cancels; each change once per Idempotency-Key, stored with who,
when and why, and said once in the conversation. Every action the lifecycle refuses is a 409
with the booking's current status.

"Time passes" by moving a booking's start into the past in the database (the server's clock is
the real one): its hold stays where it was, so no other booking is disturbed.
"""

from __future__ import annotations

import itertools
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from app.domain.lifecycle import STATUSES, Refused, next_status
from tests.backend.conftest import (
    Chat,
    Server,
    auth_for,
    booking,
    execute,
    field_errors,
    post_booking,
    rows,
    therapist_token,
)

DAY_MS = 24 * 3600 * 1000


def _key() -> str:
    return str(uuid.uuid4())


def therapist_act(api: httpx.Client, chat: Chat, booking_id: str, action: str, reason: str | None = None,
                  key: str | None = None, auth: dict[str, str] | None = None) -> httpx.Response:
    body = {} if reason is None else {"reason": reason}
    return api.post(f"/api/therapist/bookings/{booking_id}/{action}", json=body,
                    headers={"Idempotency-Key": key or _key(), **(auth or chat.therapist_auth)})


def customer_cancel(api: httpx.Client, chat: Chat, booking_id: str, reason: str | None = None,
                    key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key or _key(), **chat.customer_auth}
    if reason is None:
        return api.post(f"/api/bookings/{booking_id}/cancel", headers=headers)
    return api.post(f"/api/bookings/{booking_id}/cancel", json={"reason": reason}, headers=headers)


def request(api: httpx.Client, chat: Chat, **overrides: Any) -> dict[str, Any]:
    response = post_booking(api, booking(customer_id=chat.customer_id, **overrides))
    assert response.status_code == 201, response.text
    return response.json()


def started(server: Server, booking_id: str) -> None:
    """The clock moved on: the booking started a day ago."""
    now = int(time.time() * 1000)
    execute(server.database, f"UPDATE bookings SET starts_at = {now - DAY_MS}, ends_at = {now - DAY_MS + 5_400_000}"
                             f" WHERE id = '{booking_id}'")


def system_lines(api: httpx.Client, chat: Chat) -> list[tuple[str, str, str]]:
    page = api.get(chat.customer_path, headers=chat.customer_auth).json()["messages"]
    return [(m["event"]["booking_id"], m["event"]["status"], m["event"]["by"])
            for m in page if m["sender_type"] == "system"]


def test_the_therapist_accepts_once_and_a_replayed_key_gets_the_first_answer(
        server: Server, api: httpx.Client, chat: Chat) -> None:
    created = request(api, chat)
    key = _key()
    accepted = therapist_act(api, chat, created["id"], "accept", key=key)
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert (body["status"], body["status_changed_by"], body["starts_at"]) == ("confirmed", "therapist",
                                                                            created["starts_at"])
    again = therapist_act(api, chat, created["id"], "accept", key=key)
    assert (again.status_code, again.json(), again.headers["Idempotent-Replayed"]) == (200, body, "true")
    # The customer reads it, and the conversation says it once (the request, then the acceptance).
    read = api.get(f"/api/bookings/{created['id']}", headers=chat.customer_auth).json()
    assert read["status"] == "confirmed" and read["status_changed_at"] >= created["created_at"]
    last = api.get("/api/bookings/last", params={"customer_id": chat.customer_id}, headers=chat.customer_auth)
    assert (last.json()["id"], last.json()["status"]) == (created["id"], "confirmed")
    assert system_lines(api, chat) == [(created["id"], "requested", "customer"),
                                       (created["id"], "confirmed", "therapist")]
    assert rows(server.database, "SELECT actor, actor_id, action, from_status, to_status FROM booking_events"
                " WHERE booking_id = ? ORDER BY seq", created["id"]) == [
        ("customer", chat.customer_id, "request", None, "requested"),
        ("therapist", "t-ayu", "accept", "requested", "confirmed")]


def test_a_decline_needs_a_reason_which_both_sides_then_read(server: Server, api: httpx.Client, chat: Chat) -> None:
    created = request(api, chat)
    assert "reason" in field_errors(therapist_act(api, chat, created["id"], "decline"))
    assert "reason" in field_errors(therapist_act(api, chat, created["id"], "decline", reason="   "))
    declined = therapist_act(api, chat, created["id"], "decline", reason="Fully booked")
    assert declined.status_code == 200, declined.text
    assert (declined.json()["status"], declined.json()["status_reason"]) == ("declined", "Fully booked")
    page = api.get(chat.customer_path, headers=chat.customer_auth).json()["messages"]
    line = page[-1]
    assert line["event"]["reason"] == "Fully booked" and "Reason: Fully booked" in line["message"]
    # A declined request holds no time: the same start can be requested again.
    again = post_booking(api, booking(starts_at=created["starts_at"]))
    assert again.status_code == 201, again.text


def test_the_customer_cancels_a_request_with_or_without_a_reason(api: httpx.Client, chat: Chat) -> None:
    first, second = request(api, chat), request(api, chat)
    cancelled = customer_cancel(api, chat, first["id"])
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["status_changed_by"]) == ("cancelled", "customer")
    therapist_act(api, chat, second["id"], "accept")
    with_reason = customer_cancel(api, chat, second["id"], reason="Flight changed")
    assert (with_reason.json()["status"], with_reason.json()["status_reason"]) == ("cancelled", "Flight changed")


def test_the_therapist_cancels_a_confirmed_booking_with_a_reason_and_completes_one_that_started(
        server: Server, api: httpx.Client, chat: Chat) -> None:
    first, second = request(api, chat), request(api, chat)
    for created in (first, second):
        assert therapist_act(api, chat, created["id"], "accept").status_code == 200
    assert "reason" in field_errors(therapist_act(api, chat, first["id"], "cancel"))
    cancelled = therapist_act(api, chat, first["id"], "cancel", reason="Sick today")
    assert (cancelled.json()["status"], cancelled.json()["status_changed_by"]) == ("cancelled", "therapist")
    early = therapist_act(api, chat, second["id"], "complete")
    assert early.status_code == 409 and early.json()["status"] == "confirmed"
    started(server, second["id"])
    completed = therapist_act(api, chat, second["id"], "complete")
    assert completed.status_code == 200 and completed.json()["status"] == "completed"


def test_a_key_used_for_another_action_or_reason_is_422(api: httpx.Client, chat: Chat) -> None:
    created, key = request(api, chat), _key()
    assert therapist_act(api, chat, created["id"], "decline", reason="Too far", key=key).status_code == 200
    assert field_errors(therapist_act(api, chat, created["id"], "decline", reason="Fully booked", key=key))
    assert field_errors(therapist_act(api, chat, created["id"], "accept", key=key))


def test_another_therapists_or_customers_booking_is_404(server: Server, api: httpx.Client, chat: Chat) -> None:
    created = request(api, chat)
    made = {"Authorization": f"Bearer {therapist_token(server, 't-made')}"}
    assert therapist_act(api, chat, created["id"], "accept", auth=made).status_code == 404
    stranger = str(uuid.uuid4())
    response = api.post(f"/api/bookings/{created['id']}/cancel",
                        headers={"Idempotency-Key": _key(), **auth_for(stranger)})
    assert response.status_code == 404
    assert therapist_act(api, chat, "bk_unknown", "accept").status_code == 404


def _into(server: Server, api: httpx.Client, chat: Chat, status: str, *, after_start: bool) -> str:
    """A new booking of this chat in ``status``; its start in the past when ``after_start``."""
    created = request(api, chat)
    booking_id = created["id"]
    if status in ("confirmed", "completed", "cancelled"):
        assert therapist_act(api, chat, booking_id, "accept").status_code == 200
    if status == "declined":
        assert therapist_act(api, chat, booking_id, "decline", reason="Too far").status_code == 200
    if status == "cancelled":
        assert customer_cancel(api, chat, booking_id).status_code == 200
    if status == "expired":
        execute(server.database, f"UPDATE bookings SET expires_at = 1 WHERE id = '{booking_id}'")
    if after_start or status == "completed":
        started(server, booking_id)
    if status == "completed":
        assert therapist_act(api, chat, booking_id, "complete").status_code == 200
    return booking_id


def _refused() -> list[tuple[str, str, str, bool]]:
    """Every (status, action, actor, after the start?) the table or the clock refuses, for the actions
    a person can send (customers only cancel; nobody sends 'expire')."""
    cases = []
    people = [(action, "therapist") for action in ("accept", "decline", "cancel", "complete")] + [("cancel", "customer")]
    for status, (action, actor), after_start in itertools.product(STATUSES, people, (False, True)):
        if status == "requested" and after_start:
            continue  # a request whose start passed has expired (expires_at <= starts_at)
        now = datetime.now(UTC)
        starts = now - timedelta(days=1) if after_start else now + timedelta(days=1)
        try:
            next_status(status, action, actor, now=now, starts_at=starts)
        except Refused:
            cases.append((status, action, actor, after_start))
    return cases


@pytest.mark.parametrize(("status", "action", "actor", "after_start"), _refused(),
                         ids=[f"{s}-{a}-by-{p}{'-after-start' if late else ''}" for s, a, p, late in _refused()])
def test_every_refused_action_is_409_with_the_current_status(server: Server, api: httpx.Client, chat: Chat,
                                                             status: str, action: str, actor: str,
                                                             after_start: bool) -> None:
    booking_id = _into(server, api, chat, status, after_start=after_start)
    reason = "Because" if action in ("decline", "cancel") else None
    if actor == "therapist":
        response = therapist_act(api, chat, booking_id, action, reason=reason)
    else:
        response = customer_cancel(api, chat, booking_id, reason=reason)
    assert response.status_code == 409, response.text
    assert response.json()["status"] == status and response.json()["detail"]
    # Nothing changed, and nothing was said.
    assert rows(server.database, "SELECT status FROM bookings WHERE id = ?", booking_id) == [(status,)]
    assert [line for line in system_lines(api, chat) if line[0] == booking_id][-1][1] == status


def test_the_therapists_bookings_are_listed_by_start_filtered_by_time_and_status(
        api: httpx.Client, chat: Chat) -> None:
    wita = timezone(timedelta(hours=8))
    day = datetime.now(wita).date() + timedelta(days=200 + uuid.uuid4().int % 100)
    at = [datetime(day.year, day.month, day.day, hour, tzinfo=wita) for hour in (14, 9, 18)]
    made = [request(api, chat, starts_at=moment.isoformat()) for moment in at]
    therapist_act(api, chat, made[0]["id"], "accept")
    therapist_act(api, chat, made[1]["id"], "accept")
    window = {"from": datetime(day.year, day.month, day.day, tzinfo=wita).isoformat(),
              "to": datetime(day.year, day.month, day.day, 23, 59, tzinfo=wita).isoformat()}
    listed = api.get("/api/therapist/bookings", params=window, headers=chat.therapist_auth)
    assert listed.status_code == 200, listed.text
    assert [b["id"] for b in listed.json()["bookings"]] == [made[1]["id"], made[0]["id"], made[2]["id"]]
    confirmed = api.get("/api/therapist/bookings", params=window | {"status": "confirmed"},
                        headers=chat.therapist_auth).json()["bookings"]
    assert [(b["id"], b["starts_at"]) for b in confirmed] == [(made[1]["id"], at[1].isoformat()),
                                                            (made[0]["id"], at[0].isoformat())]
    assert "status" in field_errors(api.get("/api/therapist/bookings", params={"status": "maybe"},
                                            headers=chat.therapist_auth))
    # The conversation's own list has the same full fields.
    history = api.get(chat.therapist_path + "/bookings", headers=chat.therapist_auth).json()["bookings"]
    assert {b["id"]: b["status"] for b in history} == {made[0]["id"]: "confirmed", made[1]["id"]: "confirmed",
                                                       made[2]["id"]: "requested"}
