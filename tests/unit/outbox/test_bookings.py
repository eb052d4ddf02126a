"""BookingSync: exactly one booking per submit, however the network and the server behave.

Everything runs on fakes: a scripted idempotent server behind ``FakeTransport``, time that moves
only through ``FakeScheduler.advance``, a fixed random draw, and a ``spawn`` that collects the
coroutines timer callbacks start so each test decides when they run.
"""

from __future__ import annotations

import asyncio
import functools
import json
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from app.domain.errors import NetworkError
from app.domain.models import BookingCreated, BookingRequest, LastBooking
from app.domain.ports import HttpResponse
from app.outbox.bookings import BookingSync
from app.outbox.responses import server_errors
from app.outbox.results import SyncStatus
from app.outbox.sender import LOCK_PREFIX, api_url
from app.outbox.store import (
    CORRUPT_KEY,
    OUTBOX_CODEC,
    OUTBOX_KEY,
    EntryState,
    Outbox,
    OutboxEntry,
    confirmation_key,
)
from tests.support.fakes import FakeClock, FakeLocks, FakeScheduler, FakeStorage, FakeTransport

# What the fake server stamps a booking with: "now" on the fake clock (confirmations expire after 30 days).
SERVER_TIME = FakeClock().now_ms()

SESSION = "session_t-ayu_c1"
LOST = "lost"  # script step: the server stores the booking, then the response is lost


def async_test(fn: Callable[[], Coroutine[Any, Any, None]]) -> Callable[[], None]:
    @functools.wraps(fn)
    def run() -> None:
        # A regression that sends twice would wait on a gate forever: fail it instead of hanging.
        asyncio.run(asyncio.wait_for(fn(), timeout=5))

    return run


def booking(**changes: Any) -> BookingRequest:
    fields = {"therapist_id": "t-ayu", "therapist_name": "Ayu", "customer_id": "c1", "customer_name": "Ana Putri",
              "customer_whatsapp": "+628123456789", "duration": 90, "price": 450000, "location_type": "villa",
              "massage_for": "myself", "address": "Villa Kayu, Jl. Raya Ubud 12", "asap": True}
    return BookingRequest.model_validate({**fields, **changes})


class Server:
    """An idempotent booking API: one booking per Idempotency-Key, replayed on a repeat.

    ``script`` holds what the next calls do: an ``HttpResponse`` to answer, an exception to
    raise, or ``LOST``; when it is empty the server books and answers 201. ``gate``, when set,
    holds every request until the test opens it.
    """

    def __init__(self, *script: Any) -> None:
        self.script = list(script)
        self.bookings: dict[str, BookingCreated] = {}
        self.gate: asyncio.Event | None = None

    async def handle(self, method: str, url: str, headers: dict[str, str], body: str | None) -> HttpResponse:
        if self.gate is not None:
            await self.gate.wait()
        step = self.script.pop(0) if self.script else None
        if isinstance(step, HttpResponse):
            return step
        if isinstance(step, Exception):
            raise step
        created = self._book(headers["Idempotency-Key"], body)
        if step == LOST:
            raise NetworkError("connection reset after the server answered")
        return HttpResponse(201, created.model_dump_json(), {"content-type": "application/json"})

    def _book(self, key: str, body: str | None) -> BookingCreated:
        if key not in self.bookings:
            request = BookingRequest.model_validate_json(body or "")
            self.bookings[key] = BookingCreated(id=f"b-{len(self.bookings) + 1}", created_at=SERVER_TIME, booking=request)
        return self.bookings[key]


class Tab:
    """One page: a BookingSync on (possibly shared) storage, with everything observable."""

    def __init__(self, server: Server, *, data: dict[str, str] | None = None, clock: FakeClock | None = None,
                 storage: FakeStorage | None = None, api_base: str = "./api", random: float = 0.5,
                 locks: FakeLocks | None = None) -> None:
        self.storage = storage if storage is not None else FakeStorage(data)
        self.scheduler = FakeScheduler(clock or FakeClock())
        self.transport = FakeTransport(server.handle)
        self.spawned: list[Coroutine[Any, Any, Any]] = []
        self.confirmed: list[tuple[str, BookingCreated]] = []
        self.sync = BookingSync(self.storage, self.transport, self.scheduler, self.scheduler.clock,
                                api_base=api_base, random=lambda: random, spawn=self.spawned.append,
                                on_confirmed=lambda session, created: self.confirmed.append((session, created)))
        self.sync.sender.locks = locks

    @property
    def keys(self) -> list[str]:
        return [r.headers["Idempotency-Key"] for r in self.transport.requests if r.method == "POST"]

    async def advance(self, seconds: float) -> None:
        """Move time, then run whatever the timers started."""
        self.scheduler.advance(seconds)
        while self.spawned:
            await self.spawned.pop(0)


def response(status: int, payload: Any = None, **headers: str) -> HttpResponse:
    names = {name.replace("_", "-"): value for name, value in headers.items()}  # retry_after → retry-after
    return HttpResponse(status, "" if payload is None else json.dumps(payload), names)


# --- success -------------------------------------------------------------------------------


@async_test
async def test_a_confirmed_booking_leaves_the_outbox_and_reaches_the_draft_manager() -> None:
    tab = Tab(Server())
    result = await tab.sync.submit(SESSION, booking())
    assert result and result.status is SyncStatus.CONFIRMED
    assert result.booking_id == "b-1" and result.created.booking == booking()
    assert tab.confirmed == [(SESSION, result.created)]
    assert tab.sync.pending(SESSION) is None
    assert tab.scheduler.pending == 0


@async_test
async def test_the_post_carries_json_and_a_uuid4_idempotency_key() -> None:
    tab = Tab(Server())
    await tab.sync.submit(SESSION, booking())
    (request,) = tab.transport.requests
    assert (request.method, request.url) == ("POST", "./api/bookings")
    assert request.headers["Content-Type"] == "application/json"
    assert uuid.UUID(request.headers["Idempotency-Key"]).version == 4
    assert BookingRequest.model_validate_json(request.body) == booking()


@pytest.mark.parametrize(("base", "url"), [("./api", "./api/bookings"), ("./api/", "./api/bookings"),
                                           ("/api", "/api/bookings"),
                                           ("https://api.example.com/api/", "https://api.example.com/api/bookings")])
def test_api_base_is_joined_without_double_slashes(base: str, url: str) -> None:
    tab = Tab(Server(), api_base=base)
    asyncio.run(tab.sync.submit(SESSION, booking()))
    assert tab.transport.requests[0].url == url
    assert api_url(base, "/bookings/last") == url + "/last"


@async_test
async def test_the_confirmation_is_shown_again_after_a_reload() -> None:
    data: dict[str, str] = {}
    result = await Tab(Server(), data=data).sync.submit(SESSION, booking())
    assert confirmation_key(SESSION) in data
    again = Tab(Server(), data=data)
    assert again.sync.confirmation(SESSION) == result.created
    again.sync.clear_confirmation(SESSION)
    assert again.sync.confirmation(SESSION) is None and confirmation_key(SESSION) not in data


@async_test
async def test_submitting_an_already_confirmed_booking_again_does_not_book_twice() -> None:
    tab = Tab(Server())
    first = await tab.sync.submit(SESSION, booking())
    second = await tab.sync.submit(SESSION, booking())
    assert second and second.booking_id == first.booking_id
    assert len(tab.transport.requests) == 1


@async_test
async def test_a_2xx_with_an_unexpected_body_still_confirms_from_what_was_sent() -> None:
    tab = Tab(Server(response(201, {"id": "b-77"})))
    result = await tab.sync.submit(SESSION, booking())
    assert result and result.booking_id == "b-77" and result.created.booking == booking()
    assert tab.sync.pending(SESSION) is None


# --- failures that are retried -------------------------------------------------------------


@async_test
async def test_offline_keeps_the_booking_queued_and_arms_a_backoff_timer() -> None:
    tab = Tab(Server(NetworkError("Failed to fetch")))
    result = await tab.sync.submit(SESSION, booking())
    assert not result and result.status is SyncStatus.QUEUED
    assert "saved" in result.message
    pending = tab.sync.pending(SESSION)
    assert pending.attempts == 1 and pending.state is EntryState.QUEUED
    assert pending.next_attempt_at == tab.scheduler.clock.now_ms() + 500  # random 0.5 * min(300, 1 * 2**0) s
    assert "no connection" in pending.last_error
    assert tab.scheduler.pending == 1


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_timeouts_rate_limits_and_server_errors_are_retried(status: int) -> None:
    tab = Tab(Server(response(status)))
    result = asyncio.run(tab.sync.submit(SESSION, booking()))
    assert result.status is SyncStatus.QUEUED
    assert tab.sync.pending(SESSION).last_error == f"server answered {status}"
    assert tab.scheduler.pending == 1


@async_test
async def test_the_backoff_timer_retries_until_confirmed_with_the_same_key() -> None:
    tab = Tab(Server(NetworkError("offline"), response(503), response(500)))
    await tab.sync.submit(SESSION, booking())
    await tab.advance(0.4)
    assert len(tab.transport.requests) == 1  # not due yet: 0.5 s
    await tab.advance(0.1)
    assert len(tab.transport.requests) == 2
    await tab.advance(0.9)  # second retry waits 0.5 * 2 s
    assert len(tab.transport.requests) == 2
    await tab.advance(0.1)
    await tab.advance(1.9)  # third retry waits 0.5 * 4 s
    assert len(tab.transport.requests) == 3
    await tab.advance(0.1)
    assert len(tab.transport.requests) == 4
    assert len(set(tab.keys)) == 1
    assert tab.sync.pending(SESSION) is None and tab.confirmed
    assert tab.scheduler.pending == 0


@async_test
async def test_retry_after_seconds_is_waited_out_even_by_explicit_triggers() -> None:
    tab = Tab(Server(response(429, retry_after="120")), random=0.0)
    result = await tab.sync.submit(SESSION, booking())
    assert result.status is SyncStatus.QUEUED
    assert tab.sync.pending(SESSION).next_attempt_at == tab.scheduler.clock.now_ms() + 120_000
    await tab.advance(60)
    assert await tab.sync.retry_now() == []  # coming online does not override the server's request
    assert (await tab.sync.submit(SESSION, booking())).status is SyncStatus.QUEUED
    await tab.advance(59.9)
    assert len(tab.transport.requests) == 1
    await tab.advance(0.1)
    assert len(tab.transport.requests) == 2 and tab.confirmed


@async_test
async def test_retry_after_as_an_http_date_is_honoured() -> None:
    clock = FakeClock(1_767_225_600_000)  # 2026-01-01T00:00:00Z
    tab = Tab(Server(response(503, retry_after="Thu, 01 Jan 2026 00:00:30 GMT")), clock=clock, random=0.0)
    await tab.sync.submit(SESSION, booking())
    await tab.advance(29)
    assert len(tab.transport.requests) == 1
    await tab.advance(1)
    assert len(tab.transport.requests) == 2


@async_test
async def test_a_lost_response_is_retried_with_the_same_key_and_books_once() -> None:
    server = Server(LOST)
    tab = Tab(server)
    assert (await tab.sync.submit(SESSION, booking())).status is SyncStatus.QUEUED
    result = await tab.sync.retry_now()
    assert result[0] and len(server.bookings) == 1
    assert tab.keys[0] == tab.keys[1]


@async_test
async def test_the_outbox_survives_a_reload_and_resume_sends_it_with_the_same_key() -> None:
    data: dict[str, str] = {}
    server = Server(LOST)
    first_page = Tab(server, data=data)
    await first_page.sync.submit(SESSION, booking())
    reloaded = Tab(server, data=data)
    assert reloaded.sync.pending(SESSION).attempts == 1
    (result,) = await reloaded.sync.resume()
    assert result and reloaded.confirmed
    assert reloaded.keys == first_page.keys
    assert len(server.bookings) == 1
    assert OUTBOX_KEY not in data


@async_test
async def test_an_unexpected_status_is_retried_a_few_times_then_waits_for_the_customer() -> None:
    tab = Tab(Server(*[response(404)] * 6))
    result = await tab.sync.submit(SESSION, booking())
    assert result.status is SyncStatus.QUEUED and "404" in result.message
    for _ in range(10):
        await tab.advance(300)
    assert len(tab.transport.requests) == 5
    assert tab.sync.pending(SESSION).state is EntryState.GAVE_UP
    assert tab.sync.pending(SESSION).next_attempt_at is None
    assert tab.scheduler.pending == 0
    (again,) = await tab.sync.retry_now()  # page load / online: one more try
    assert again.status is SyncStatus.QUEUED and len(tab.transport.requests) == 6
    assert (await tab.sync.submit(SESSION, booking())).status is SyncStatus.CONFIRMED


# --- failures that are not retried ---------------------------------------------------------


@async_test
async def test_a_422_in_fastapi_shape_is_rejected_with_labelled_messages() -> None:
    detail = [{"loc": ["body", "customer_name"], "msg": "String should have at least 2 characters"},
              {"loc": ["body", "customer_whatsapp"], "msg": "Value error, must be a valid international number"}]
    tab = Tab(Server(response(422, {"detail": detail})))
    result = await tab.sync.submit(SESSION, booking())
    assert not result and result.status is SyncStatus.REJECTED
    assert result.errors == ["Your name: String should have at least 2 characters",
                             "WhatsApp number: must be a valid international number"]
    assert tab.sync.pending(SESSION) is None and tab.scheduler.pending == 0
    assert tab.confirmed == []


@async_test
async def test_after_a_rejection_the_fixed_booking_is_sent_with_a_new_key() -> None:
    tab = Tab(Server(response(422, {"detail": "bad"})))
    await tab.sync.submit(SESSION, booking(customer_name="Ana Putri Wijaya"))
    assert await tab.sync.submit(SESSION, booking(customer_name="Ana Putri"))
    assert tab.keys[0] != tab.keys[1]


def test_the_field_errors_shape_is_understood_too() -> None:
    body = json.dumps({"detail": "Invalid booking", "errors": [
        {"field": "location_type", "message": "Choose where the massage takes place"},
        {"field": "room_number", "message": "Too long"}, {"message": "Something else"}]})
    assert server_errors(body) == ["Location: Choose where the massage takes place", "Room number: Too long",
                                   "Something else"]


@pytest.mark.parametrize(("text", "errors"), [
    ('{"detail": "Price does not match the therapist"}', ["Price does not match the therapist"]),
    ('{"detail": [{"loc": ["body"], "msg": "Invalid JSON"}]}', ["Invalid JSON"]),
    ("<html>Bad Request</html>", []),
    ("[]", []),
])
def test_other_error_bodies_give_what_they_can(text: str, errors: list[str]) -> None:
    assert server_errors(text) == errors


@async_test
async def test_a_400_without_readable_errors_still_tells_the_customer_something() -> None:
    tab = Tab(Server(HttpResponse(400, "Bad Request")))
    result = await tab.sync.submit(SESSION, booking())
    assert result.status is SyncStatus.REJECTED and result.errors and result.message


@async_test
async def test_a_conflict_is_kept_but_only_sent_again_when_the_customer_asks() -> None:
    tab = Tab(Server(response(409, {"detail": "A booking with this key is being processed"})))
    result = await tab.sync.submit(SESSION, booking())
    assert result.status is SyncStatus.CONFLICT and "Nothing is lost" in result.message
    assert result.errors == ["A booking with this key is being processed"]
    assert tab.sync.pending(SESSION).state is EntryState.CONFLICT
    assert tab.scheduler.pending == 0
    assert await tab.sync.retry_now() == []
    await tab.advance(600)
    assert len(tab.transport.requests) == 1
    assert await tab.sync.submit(SESSION, booking())  # "send again"
    assert tab.keys[0] == tab.keys[1]


# --- one booking per session ---------------------------------------------------------------


@async_test
async def test_a_second_click_reuses_the_queued_booking() -> None:
    tab = Tab(Server(NetworkError("offline"), NetworkError("offline")))
    await tab.sync.submit(SESSION, booking())
    await tab.sync.submit(SESSION, booking())
    assert tab.keys[0] == tab.keys[1]
    assert len(Outbox(tab.storage).load()) == 1


@async_test
async def test_a_changed_booking_that_was_never_sent_replaces_the_old_one_with_a_new_key() -> None:
    storage = FakeStorage()
    Outbox(storage).save([OutboxEntry(key="old-key", session_id=SESSION, body=booking().model_dump(mode="json"),
                                      created_at=SERVER_TIME)])  # queued, but the page closed before sending
    tab = Tab(Server(), storage=storage)
    assert await tab.sync.submit(SESSION, booking(duration=120, price=600000))
    assert tab.keys != ["old-key"] and len(tab.keys) == 1
    assert BookingRequest.model_validate_json(tab.transport.requests[0].body).duration == 120


@async_test
async def test_a_changed_booking_that_may_have_been_delivered_keeps_its_key() -> None:
    tab = Tab(Server(NetworkError("offline")))
    await tab.sync.submit(SESSION, booking())
    result = await tab.sync.submit(SESSION, booking(duration=120, price=600000))
    assert result and tab.keys[0] == tab.keys[1]
    assert result.created.booking.duration == 120


@async_test
async def test_a_refused_key_reuse_is_a_conflict_not_a_rejection() -> None:
    tab = Tab(Server(NetworkError("offline"), response(422, {"detail": "Idempotency-Key reused"})))
    await tab.sync.submit(SESSION, booking())
    result = await tab.sync.submit(SESSION, booking(duration=120, price=600000))
    assert result.status is SyncStatus.CONFLICT and "earlier version" in result.message
    assert tab.sync.pending(SESSION) is not None  # kept: deleting it could lead to a second booking


@async_test
async def test_clicks_and_triggers_during_a_request_share_it_instead_of_sending_again() -> None:
    server = Server()
    server.gate = asyncio.Event()
    tab = Tab(server)
    first = asyncio.ensure_future(tab.sync.submit(SESSION, booking()))
    await asyncio.sleep(0)
    assert tab.sync.is_syncing and tab.sync.pending(SESSION).in_flight
    second = asyncio.ensure_future(tab.sync.submit(SESSION, booking()))
    retried = asyncio.ensure_future(tab.sync.retry_now())
    await asyncio.sleep(0)
    assert tab.scheduler.pending == 0  # no retry timer for a booking already being sent
    server.gate.set()
    results = await asyncio.gather(first, second, retried)
    assert len(tab.transport.requests) == 1
    assert results[0] and results[1] and results[0].booking_id == results[1].booking_id
    assert results[2] == []
    assert len(tab.confirmed) == 1 and not tab.sync.is_syncing


@async_test
async def test_subscribers_see_sending_then_done_until_they_unsubscribe() -> None:
    tab = Tab(Server())
    seen = []
    unsubscribe = tab.sync.subscribe(lambda snapshot: seen.append((snapshot.is_syncing, snapshot.queued)))
    await tab.sync.submit(SESSION, booking())
    assert seen[0] == (True, 1) and seen[-1] == (False, 0)
    unsubscribe()
    count = len(seen)
    await tab.sync.submit(SESSION, booking(customer_name="Other"))
    assert len(seen) == count


# --- triggers and the timer ----------------------------------------------------------------


@async_test
async def test_retry_now_skips_the_backoff_wait() -> None:
    tab = Tab(Server(NetworkError("offline")), random=0.9)
    await tab.sync.submit(SESSION, booking())
    (result,) = await tab.sync.retry_now()
    assert result and len(tab.transport.requests) == 2


@async_test
async def test_trigger_starts_a_retry_from_a_plain_event_handler() -> None:
    tab = Tab(Server(NetworkError("offline")))
    await tab.sync.submit(SESSION, booking())
    tab.sync.trigger()
    assert len(tab.spawned) == 1
    await tab.spawned.pop()
    assert tab.confirmed


@async_test
async def test_only_one_retry_timer_is_armed_for_many_queued_bookings() -> None:
    tab = Tab(Server(*[NetworkError("offline")] * 6))
    for n in range(3):
        await tab.sync.submit(f"session_t-ayu_c{n}", booking())
    assert tab.scheduler.pending == 1
    await tab.sync.retry_now()
    assert tab.scheduler.pending == 1
    assert tab.sync.snapshot().queued == 3


@async_test
async def test_discarding_a_queued_booking_stops_its_retries() -> None:
    tab = Tab(Server(NetworkError("offline")))
    await tab.sync.submit(SESSION, booking())
    assert tab.sync.discard(SESSION)
    assert tab.sync.pending(SESSION) is None and tab.scheduler.pending == 0
    assert not tab.sync.discard(SESSION)


# --- two tabs ------------------------------------------------------------------------------


@async_test
async def test_a_second_tab_does_not_send_a_booking_the_first_tab_is_sending() -> None:
    data: dict[str, str] = {}
    clock = FakeClock()
    server = Server()
    tab_a = Tab(server, data=data, clock=clock)
    tab_b = Tab(server, data=data, clock=clock)
    server.gate = asyncio.Event()
    sending = asyncio.ensure_future(tab_a.sync.submit(SESSION, booking()))
    await asyncio.sleep(0)
    assert tab_b.sync.pending(SESSION).in_flight
    assert await tab_b.sync.retry_now() == []
    result_b = await tab_b.sync.submit(SESSION, booking())
    assert result_b.status is SyncStatus.QUEUED and "another open tab" in result_b.message
    server.gate.set()
    assert await sending
    assert len(tab_a.transport.requests) == 1 and tab_b.transport.requests == []
    assert tab_b.sync.pending(SESSION) is None


@async_test
async def test_an_expired_lease_is_taken_over_with_the_same_key() -> None:
    data: dict[str, str] = {}
    clock = FakeClock()
    server = Server()
    tab_a = Tab(server, data=data, clock=clock)
    tab_b = Tab(server, data=data, clock=clock)
    server.gate = asyncio.Event()
    stuck = asyncio.ensure_future(tab_a.sync.submit(SESSION, booking()))
    await asyncio.sleep(0)
    clock.set_ms(clock.now_ms() + 30_001)  # tab A hangs (or was closed) past its lease
    server.gate.set()
    (taken_over,) = await tab_b.sync.retry_now()
    assert taken_over and tab_b.keys == tab_a.keys
    await stuck
    assert len(server.bookings) == 1


@async_test
async def test_the_other_tab_is_woken_when_a_lease_would_expire() -> None:
    data: dict[str, str] = {}
    clock = FakeClock()
    server = Server()
    tab_a, tab_b = Tab(server, data=data, clock=clock), Tab(server, data=data, clock=clock)
    server.gate = asyncio.Event()
    stuck = asyncio.ensure_future(tab_a.sync.submit(SESSION, booking()))
    await asyncio.sleep(0)
    await tab_b.sync.retry_now()  # skipped: leased by A; arms a timer for the lease's end
    assert tab_b.scheduler.pending == 1
    server.gate.set()
    tab_b.scheduler.advance(29.9)
    assert tab_b.spawned == []
    tab_b.scheduler.advance(0.1)
    assert len(tab_b.spawned) == 1
    await tab_b.spawned.pop()
    assert len(tab_b.transport.requests) == 1
    await stuck


# --- storage trouble -----------------------------------------------------------------------


@async_test
async def test_a_full_storage_keeps_the_booking_in_memory_and_still_sends_it() -> None:
    tab = Tab(Server(NetworkError("offline")), storage=FakeStorage(quota_bytes=300))
    result = await tab.sync.submit(SESSION, booking())
    assert result.status is SyncStatus.QUEUED and "Keep this page open" in result.message
    assert not tab.sync.persistent and tab.sync.problem
    assert tab.sync.pending(SESSION) is not None
    assert (await tab.sync.retry_now())[0]


@async_test
async def test_blocked_storage_never_reaches_the_page() -> None:
    storage = FakeStorage()
    storage.unavailable = True
    tab = Tab(Server(), storage=storage)
    result = await tab.sync.submit(SESSION, booking())
    assert result and tab.sync.confirmation(SESSION) == result.created
    assert not tab.sync.persistent


@async_test
async def test_a_corrupt_outbox_is_reported_and_set_aside_on_resume() -> None:
    data = {OUTBOX_KEY: '{"schema": 1, "data": [{"key": '}
    tab = Tab(Server(), data=data)
    assert await tab.sync.resume() == []
    assert data[CORRUPT_KEY] == '{"schema": 1, "data": [{"key": '
    assert tab.sync.problem and "could not be read" in tab.sync.problem
    assert await tab.sync.submit(SESSION, booking())


# --- last booking for prefill --------------------------------------------------------------


def last_booking_tab(*script: Any) -> Tab:
    return Tab(Server(*script))


@async_test
async def test_the_last_booking_is_fetched_for_a_url_encoded_customer_id() -> None:
    last = LastBooking(customer_name="Ana", customer_whatsapp="+628123456789", duration=90)
    tab = last_booking_tab(HttpResponse(200, last.model_dump_json()))
    assert await tab.sync.fetch_last_booking("a b&c/d") == last
    (request,) = tab.transport.requests
    assert (request.method, request.url) == ("GET", "./api/bookings/last?customer_id=a%20b%26c%2Fd")


@pytest.mark.parametrize("answer", [
    NetworkError("offline"), HttpResponse(404, '{"detail": "Not Found"}'), HttpResponse(500, "oops"),
    HttpResponse(200, "{not json"), HttpResponse(200, '{"duration": 45}'), HttpResponse(200, "null"),
])
def test_no_usable_last_booking_is_none_and_never_raises(answer: Any) -> None:
    tab = last_booking_tab(answer)
    assert asyncio.run(tab.sync.fetch_last_booking("c1")) is None


@async_test
async def test_a_page_going_away_hands_its_lease_back_so_the_next_page_sends_at_once() -> None:
    storage_data: dict[str, str] = {}
    clock = FakeClock()
    scheduler = FakeScheduler(clock)
    gate = asyncio.Event()

    async def hanging(method: str, url: str, headers: dict[str, str], body: str | None) -> HttpResponse:
        await gate.wait()  # the request never answers: the page is unloaded mid-flight
        return HttpResponse(201, "{}")

    old_page = BookingSync(FakeStorage(storage_data), FakeTransport(hanging), scheduler, clock, owner_id="old")
    sending = asyncio.ensure_future(old_page.submit(SESSION, booking()))
    await asyncio.sleep(0)
    assert Outbox(FakeStorage(storage_data)).for_session(SESSION).lease_owner == "old"
    old_page.release_leases()
    entry = Outbox(FakeStorage(storage_data)).for_session(SESSION)
    assert entry.lease_owner is None and entry.lease_until == 0
    sending.cancel()
    server = Server()
    new_page = BookingSync(FakeStorage(storage_data), FakeTransport(server.handle), scheduler, clock, owner_id="new")
    results = await new_page.resume()
    assert [r.status for r in results] == [SyncStatus.CONFIRMED] and len(server.bookings) == 1



def test_a_tab_that_cannot_take_the_web_lock_does_not_send_even_when_it_missed_the_lease() -> None:
    # localStorage is not atomic across tabs: here the second tab reads a copy of the outbox that
    # does not show the first tab's lease (its own storage), as a race of a few milliseconds would.
    # The Web Lock the first tab holds while its POST is under way keeps the second from sending.
    held: set[str] = set()
    server = Server()
    server.gate = asyncio.Event()
    first = Tab(server, locks=FakeLocks(held))
    second_locks = FakeLocks(held)
    second = Tab(server, locks=second_locks)

    async def both() -> tuple:
        sending = asyncio.ensure_future(first.sync.submit(SESSION, booking()))
        while not held:
            await asyncio.sleep(0)
        stale = Outbox(first.storage).load()
        for entry in stale:
            entry.lease_owner, entry.lease_until = None, 0  # what a racing tab may read
        second.storage.setItem(OUTBOX_KEY, OUTBOX_CODEC.encode([e.model_dump(mode="json") for e in stale]))
        second_result = await second.sync.sender.send(stale[0])
        server.gate.set()
        return await sending, second_result, stale[0].key

    first_result, second_result, key = asyncio.run(asyncio.wait_for(both(), timeout=5))
    assert first_result and second_result.status is SyncStatus.QUEUED
    assert second_locks.refused == [LOCK_PREFIX + key]
    assert len(server.bookings) == 1 and second.keys == []


@async_test
async def test_a_time_just_taken_is_an_error_on_start_time_and_the_next_order_gets_a_new_key() -> None:
    taken = response(409, {"detail": "That time was just taken", "status": "requested", "field": "starts_at"})
    tab = Tab(Server(taken))
    first = await tab.sync.submit(SESSION, booking(asap=False, starts_at="2026-12-09T15:00:00+08:00"))
    assert first.status is SyncStatus.REJECTED
    assert first.fields == [("starts_at", "That time was just taken; please choose another start time")]
    assert tab.sync.pending(SESSION) is None  # the server stored nothing: nothing to resend
    second = await tab.sync.submit(SESSION, booking(asap=False, starts_at="2026-12-09T16:00:00+08:00"))
    assert second and len(set(tab.keys)) == 2


@async_test
async def test_as_soon_as_possible_with_nothing_free_is_an_error_on_when() -> None:
    taken = response(409, {"detail": "No free time", "status": "requested", "field": "starts_at"})
    tab = Tab(Server(taken))
    result = await tab.sync.submit(SESSION, booking())  # asap
    assert result.fields == [("when", "No free time is left soon; please choose a time")]
    assert tab.sync.pending(SESSION) is None


@async_test
async def test_a_409_naming_no_field_stays_parked_as_before() -> None:
    tab = Tab(Server(response(409, {"detail": "Idempotency-Key reused"})))
    result = await tab.sync.submit(SESSION, booking())
    assert result.status is SyncStatus.CONFLICT and tab.sync.pending(SESSION) is not None
