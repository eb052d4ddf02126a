"""BookingTracker: the latest booking of the chat follows the server's events, reloads and cancels."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone

from app.chat.booking import BookingTracker
from app.domain.models import BookingCreated, BookingRequest
from app.domain.ports import HttpResponse
from app.outbox.sender import OutboxSender
from tests.support.fakes import FakeClock, FakeScheduler, FakeStorage, FakeTransport

SESSION = "session_t-ayu_c1"
REQUEST = BookingRequest(therapist_id="t-ayu", customer_id="c1", customer_name="Ana Putri",
                         customer_whatsapp="+628123456789", duration=90, price=475000, location_type="villa",
                         massage_for="myself", address="Villa Kayu", starts_at="2026-12-09T15:00:00+08:00")
BEFORE_START = int(datetime(2026, 12, 9, 5, 0, tzinfo=timezone.utc).timestamp() * 1000)  # 13:00 WITA
AFTER_START = int(datetime(2026, 12, 9, 8, 0, tzinfo=timezone.utc).timestamp() * 1000)  # 16:00 WITA


def created(**changes) -> BookingCreated:
    return BookingCreated.model_validate({"id": "bk_1", "created_at": BEFORE_START,
                                          "booking": REQUEST.model_dump(mode="json"),
                                          "starts_at": "2026-12-09T15:00:00+08:00", "time_zone_label": "WITA",
                                          **changes})


class Server:
    def __init__(self) -> None:
        self.booking = created()
        self.cancel_answer: HttpResponse | None = None

    def handle(self, method, url, headers, body) -> HttpResponse:
        if method == "GET" and url.endswith("/bookings/bk_1"):
            return HttpResponse(200, self.booking.model_dump_json(), {})
        if url.endswith("/bookings/bk_1/cancel"):
            if self.cancel_answer is not None:
                return self.cancel_answer
            self.booking = self.booking.model_copy(update={"status": "cancelled", "status_changed_by": "customer"})
            return HttpResponse(200, self.booking.model_dump_json(), {})
        return HttpResponse(404, "{}", {})


def tracker(server: Server, storage: FakeStorage | None = None, now: int = BEFORE_START) -> BookingTracker:
    clock = FakeClock(now)
    sender = OutboxSender(storage or FakeStorage(), FakeTransport(server.handle), FakeScheduler(clock), clock,
                          spawn=lambda coroutine: coroutine.close())
    return BookingTracker(sender, SESSION)


def test_an_event_about_the_kept_booking_changes_its_status_and_survives_a_reload() -> None:
    storage, server = FakeStorage(), Server()
    page = tracker(server, storage)
    page.booked(SESSION, created())
    heard = []
    page.subscribe(lambda _: heard.append(page.latest.status))
    assert page.apply_event({"kind": "booking", "booking_id": "bk_1", "status": "confirmed", "by": "therapist"})
    assert heard == ["confirmed"]
    assert not page.apply_event({"kind": "booking", "booking_id": "bk_1", "status": "confirmed", "by": "therapist"})
    assert tracker(server, storage).latest.status == "confirmed"  # reload: kept on the device


def test_a_decline_keeps_the_therapists_reason() -> None:
    page = tracker(Server())
    page.booked(SESSION, created())
    page.apply_event({"kind": "booking", "booking_id": "bk_1", "status": "declined", "by": "therapist",
                      "reason": "Fully booked"}, at_ms=BEFORE_START + 1)
    latest = page.latest
    assert (latest.status, latest.status_reason, latest.status_changed_by) == ("declined", "Fully booked", "therapist")


def test_an_event_about_a_booking_this_device_never_saw_asks_for_a_refresh_of_that_booking() -> None:
    page = tracker(Server())  # e.g. storage cleared, or the request was made on another device
    assert not page.apply_event({"kind": "booking", "booking_id": "bk_1", "status": "requested", "by": "customer"})
    assert page.needs_refresh and page.latest is None
    assert not page.apply_event({"kind": "something else"})
    fresh = asyncio.run(page.refresh())
    assert fresh.id == "bk_1" and page.latest.id == "bk_1" and not page.needs_refresh


def test_refresh_reads_the_booking_again_from_the_server() -> None:
    server = Server()
    page = tracker(server)
    page.booked(SESSION, created())
    server.booking = created(status="expired", status_changed_by="system")
    fresh = asyncio.run(page.refresh())
    assert fresh.status == "expired" and page.latest.status == "expired"


def test_cancel_is_offered_only_while_the_customer_may_cancel() -> None:
    page = tracker(Server())
    page.booked(SESSION, created(status="confirmed"))
    assert page.can_cancel(BEFORE_START)
    assert not page.can_cancel(AFTER_START)  # it has started
    page.apply_event({"kind": "booking", "booking_id": "bk_1", "status": "declined", "by": "therapist"})
    assert not page.can_cancel(BEFORE_START)


def test_a_cancel_the_server_refuses_says_not_sent_and_shows_the_current_status() -> None:
    server = Server()
    server.cancel_answer = HttpResponse(409, json.dumps({"detail": "declined", "status": "declined"}), {})
    page = tracker(server)
    page.booked(SESSION, created())
    asyncio.run(page.cancel("Plans changed"))
    assert page.note == "Not sent: the booking is already “Declined”."
    assert page.latest.status == "declined" and page.needs_refresh


def test_a_cancel_that_reaches_the_server_shows_cancelled_by_you() -> None:
    page = tracker(Server())
    page.booked(SESSION, created())
    asyncio.run(page.cancel())
    assert (page.latest.status, page.latest.status_changed_by, page.note) == ("cancelled", "customer", "")
