"""CancelSync: the customer's "Cancel this booking" reaches the server once, or says why it was not sent.

A scripted cancel endpoint behind ``FakeTransport`` keeps one answer per Idempotency-Key (a replay
gets the first answer back), like the real one; time moves only through ``FakeScheduler.advance``.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable, Coroutine
from typing import Any

from app.domain.errors import NetworkError
from app.domain.models import BookingCreated, BookingRequest
from app.domain.ports import HttpResponse
from app.outbox.cancels import KIND, CancelSync
from app.outbox.messages import SendState
from app.outbox.results import SyncStatus
from app.outbox.sender import OutboxSender
from tests.support.fakes import FakeClock, FakeScheduler, FakeStorage, FakeTransport

SESSION = "session_t-ayu_c1"
LOST = "lost"
REQUEST = BookingRequest(therapist_id="t-ayu", customer_id="c1", customer_name="Ana Putri",
                         customer_whatsapp="+628123456789", duration=90, price=475000, location_type="villa",
                         massage_for="myself", address="Villa Kayu", starts_at="2026-12-09T15:00:00+08:00")


def async_test(fn: Callable[[], Coroutine[Any, Any, None]]) -> Callable[[], None]:
    @functools.wraps(fn)
    def run() -> None:
        asyncio.run(asyncio.wait_for(fn(), timeout=5))

    return run


class Server:
    """``POST bookings/{id}/cancel``: the booking's status moves to cancelled once per key."""

    def __init__(self, *script: Any, status: str = "confirmed") -> None:
        self.script = list(script)
        self.status = status
        self.answers: dict[str, HttpResponse] = {}
        self.cancelled = 0

    def handle(self, method: str, url: str, headers: dict[str, str], body: str | None) -> HttpResponse:
        step = self.script.pop(0) if self.script else None
        if isinstance(step, HttpResponse):
            return step
        if isinstance(step, Exception):
            raise step
        key = headers["Idempotency-Key"]
        if key not in self.answers:
            if self.status not in ("requested", "confirmed"):
                self.answers[key] = HttpResponse(409, json.dumps(
                    {"detail": f"This booking is {self.status}.", "status": self.status}), {})
            else:
                self.status, self.cancelled = "cancelled", self.cancelled + 1
                created = BookingCreated(id="bk_1", created_at=1, booking=REQUEST, status="cancelled",
                                         status_reason=json.loads(body or "{}").get("reason", ""),
                                         status_changed_by="customer")
                self.answers[key] = HttpResponse(200, created.model_dump_json(), {})
        if step == LOST:
            raise NetworkError("connection reset after the server answered")
        return self.answers[key]


class Page:
    def __init__(self, server: Server, storage: FakeStorage | None = None) -> None:
        self.storage = storage or FakeStorage()
        self.scheduler = FakeScheduler(FakeClock())
        self.transport = FakeTransport(server.handle)
        self.spawned: list[Coroutine[Any, Any, Any]] = []
        sender = OutboxSender(self.storage, self.transport, self.scheduler, self.scheduler.clock,
                              random=lambda: 0.5, spawn=self.spawned.append)
        self.done: list[tuple[str, str, BookingCreated | None]] = []
        self.refused: list[tuple[str, str, str, str | None]] = []
        self.cancels = CancelSync(sender, on_done=lambda *a: self.done.append(a),
                                  on_refused=lambda *a: self.refused.append(a))

    @property
    def posts(self) -> list[tuple[str, str]]:
        return [(r.url, r.headers["Idempotency-Key"]) for r in self.transport.requests if r.method == "POST"]

    async def advance(self, seconds: float) -> None:
        self.scheduler.advance(seconds)
        while self.spawned:
            await self.spawned.pop(0)


@async_test
async def test_a_cancellation_goes_to_the_bookings_cancel_path_with_its_reason() -> None:
    server = Server()
    page = Page(server)
    result = await page.cancels.cancel(SESSION, "bk_1", reason="Plans changed")
    assert result and result.booking_id == "bk_1"
    assert [url for url, _ in page.posts] == ["./api/bookings/bk_1/cancel"]
    assert json.loads(page.transport.requests[0].body) == {"reason": "Plans changed"}
    assert page.done[0][:2] == (SESSION, "bk_1") and page.done[0][2].status == "cancelled"
    assert page.cancels.pending("bk_1") is None and page.cancels.sender.outbox.load() == []


@async_test
async def test_offline_it_waits_for_the_network_and_is_sent_once_later() -> None:
    server = Server()
    page = Page(server)
    page.transport.offline = True
    result = await page.cancels.cancel(SESSION, "bk_1")
    assert result.status is SyncStatus.QUEUED and result.message == "Waiting for network"
    assert page.cancels.pending("bk_1").state is SendState.WAITING
    again = await page.cancels.cancel(SESSION, "bk_1", reason="pressed twice")  # joins the one waiting
    assert not again and len(page.cancels.sender.outbox.load()) == 1
    page.transport.offline = False
    await page.cancels.sender.retry_now()  # the browser's "online"
    assert server.cancelled == 1 and len(page.done) == 1
    assert len({key for _, key in page.posts}) == 1  # every attempt under one key


@async_test
async def test_a_cancellation_kept_on_the_device_is_sent_after_a_reload() -> None:
    server = Server()
    storage = FakeStorage()
    first = Page(server, storage)
    first.transport.offline = True
    await first.cancels.cancel(SESSION, "bk_1", reason="Ill")
    reloaded = Page(server, storage)
    assert reloaded.cancels.pending("bk_1") is not None
    await reloaded.cancels.sender.resume()
    assert server.cancelled == 1 and reloaded.done and reloaded.cancels.pending("bk_1") is None


@async_test
async def test_a_lost_response_is_retried_under_the_same_key_and_cancels_once() -> None:
    server = Server(LOST)
    page = Page(server)
    first = await page.cancels.cancel(SESSION, "bk_1")
    assert first.status is SyncStatus.QUEUED
    await page.advance(60)  # the backoff timer
    assert server.cancelled == 1 and len(page.done) == 1
    keys = [key for _, key in page.posts]
    assert len(keys) == 2 and len(set(keys)) == 1


@async_test
async def test_a_409_is_not_sent_with_the_reason_and_the_current_status() -> None:
    server = Server(status="declined")  # the therapist declined first
    page = Page(server)
    result = await page.cancels.cancel(SESSION, "bk_1")
    assert result.status is SyncStatus.CONFLICT and result.message == "Not sent"
    assert result.errors == ["Not sent: the booking is already “Declined”."]
    assert page.refused == [(SESSION, "bk_1", "Not sent: the booking is already “Declined”.", "declined")]
    assert page.cancels.sender.outbox.load() == []  # never retried: it can never succeed
    await page.advance(3600)
    assert len(page.posts) == 1


@async_test
async def test_a_422_is_not_sent_with_the_servers_reason() -> None:
    server = Server(HttpResponse(422, json.dumps({"detail": [{"loc": ["body", "reason"], "msg": "too long",
                                                              "type": "string_too_long"}]}), {}))
    page = Page(server)
    result = await page.cancels.cancel(SESSION, "bk_1", reason="x")
    assert result.status is SyncStatus.REJECTED
    assert page.refused and page.refused[0][:2] == (SESSION, "bk_1") and page.refused[0][3] is None
    assert page.cancels.sender.outbox.load() == []


@async_test
async def test_a_busy_server_keeps_it_and_retries() -> None:
    server = Server(HttpResponse(503, "", {}))
    page = Page(server)
    await page.cancels.cancel(SESSION, "bk_1")
    assert page.cancels.pending("bk_1").state is SendState.UNAVAILABLE
    await page.advance(60)
    assert server.cancelled == 1


def test_the_entry_says_its_kind_and_booking() -> None:
    page = Page(Server())
    page.transport.offline = True
    asyncio.run(page.cancels.cancel(SESSION, "bk_1"))
    entry = page.cancels.sender.outbox.load()[0]
    assert (entry.kind, entry.target, entry.session_id) == (KIND, "bk_1", SESSION)


@async_test
async def test_whoever_hears_of_a_409_already_sees_the_outbox_without_it() -> None:
    page = Page(Server(status="expired"))
    seen: list[object] = []
    page.cancels.on_refused = lambda *a: seen.append(page.cancels.pending("bk_1"))
    await page.cancels.cancel(SESSION, "bk_1")
    assert seen == [None]  # so the page shows "Not sent", not "Sending…"
