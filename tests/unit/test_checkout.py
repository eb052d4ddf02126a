"""Checkout.confirm_booking / fetch_and_prefill_from_backend: the draft manager and the sender together.

Real ChatBookingStorageService, BookingSync and Checkout on fakes: only validated data is sent, and
the draft is cleared only after the server confirmed.
"""

from __future__ import annotations

import asyncio
import json

from app.checkout import Checkout
from app.domain.models import BookingCreated, BookingRequest
from app.domain.ports import HttpResponse
from app.drafts.session import ChatBookingStorageService
from app.outbox.bookings import BookingSync
from app.outbox.results import SyncStatus
from app.persistence.keys import backup_key, draft_key
from tests.support.fakes import FakeClock, FakeScheduler, FakeStorage, FakeTransport

# What the fake server stamps a booking with: "now" on the fake clock (confirmations expire after 30 days).
SERVER_TIME = FakeClock().now_ms()

CUSTOMER = "0b7e3c2a-1d4f-4a6b-9c8d-7e6f5a4b3c2d"
SESSION = f"session_t-ayu_{CUSTOMER}"
COMPLETE = {"customer_name": "Ana Putri", "customer_whatsapp": "+62 812 3456 7890", "duration": 90,
            "price": 475000, "location_type": "villa", "massage_for": "partner",
            "address": "Villa Kayu, Jl. Raya Ubud 12", "when": "asap"}


class Api:
    """A scripted backend: answers from ``script`` (status codes), then 201 for everything."""

    def __init__(self, *script: int, last: dict | None = None) -> None:
        self.script = list(script)
        self.posts: list[dict] = []
        self.last = last

    def handle(self, method: str, url: str, headers: dict[str, str], body: str | None) -> HttpResponse:
        if method == "GET":
            if self.last is None:
                return HttpResponse(404, '{"detail": "No booking yet."}')
            return HttpResponse(200, json.dumps(self.last))
        self.posts.append({"key": headers.get("Idempotency-Key"), "body": json.loads(body or "{}")})
        if self.script:
            status = self.script.pop(0)
            if status == 422:
                return HttpResponse(422, json.dumps({"detail": "invalid", "errors": [
                    {"field": "customer_whatsapp", "message": "must be a valid international number"}]}))
            return HttpResponse(status, '{"detail": "busy"}')
        request = BookingRequest.model_validate(json.loads(body or "{}"))
        created = BookingCreated(id="bk_1", created_at=SERVER_TIME, booking=request)
        return HttpResponse(201, created.model_dump_json())


def make(api: Api, storage: FakeStorage | None = None):
    storage = storage if storage is not None else FakeStorage()
    clock = FakeClock()
    scheduler = FakeScheduler(clock)
    spawned: list = []
    service = ChatBookingStorageService("t-ayu", SESSION, storage=storage, scheduler=scheduler, clock=clock)
    sync = BookingSync(storage, FakeTransport(api.handle), scheduler, clock, random=lambda: 0.5,
                       spawn=spawned.append)
    confirmed: list[str] = []
    checkout = Checkout(service, sync, CUSTOMER, on_confirmed=lambda sid, created: confirmed.append(created.id))
    service.checkout = checkout  # the tests below read as the customer's steps: drafts, then checkout
    return service, sync, storage, scheduler, confirmed


def test_an_incomplete_draft_sends_nothing_and_returns_the_errors() -> None:
    api = Api()
    service, *_ = make(api)
    service.save_draft_immediately({"customer_name": "Ana Putri"})
    result = asyncio.run(service.checkout.confirm_booking())
    assert not result
    assert result.status is SyncStatus.INVALID
    assert "Your WhatsApp number is required" in result.errors
    assert api.posts == []


def test_a_confirmed_booking_clears_the_draft_and_its_backup_only_after_the_2xx() -> None:
    api = Api()
    service, _, storage, _, confirmed = make(api)
    service.save_draft_immediately(COMPLETE)
    assert storage.getItem(backup_key(SESSION)) is not None
    result = asyncio.run(service.checkout.confirm_booking("./api"))
    assert result and result.booking_id == "bk_1"
    assert confirmed == ["bk_1"]
    assert service.draft is None
    assert storage.getItem(draft_key(SESSION)) is None and storage.getItem(backup_key(SESSION)) is None
    assert api.posts[0]["body"]["customer_whatsapp"] == "+6281234567890"  # the validated, normalised body


def test_a_server_error_keeps_the_draft_queued_until_a_retry_confirms() -> None:
    api = Api(503)
    service, sync, storage, _, confirmed = make(api)
    service.save_draft_immediately(COMPLETE)
    result = asyncio.run(service.checkout.confirm_booking())
    assert result.status is SyncStatus.QUEUED
    assert service.draft is not None and service.draft.booking_step == "queued"
    assert storage.getItem(draft_key(SESSION)) is not None
    asyncio.run(sync.retry_now())
    assert confirmed == ["bk_1"] and service.draft is None
    assert len({post["key"] for post in api.posts}) == 1  # the retry reused the idempotency key


def test_a_rejected_booking_keeps_the_draft_for_editing() -> None:
    api = Api(422)
    service, *_ = make(api)
    service.save_draft_immediately(COMPLETE)
    result = asyncio.run(service.checkout.confirm_booking())
    assert result.status is SyncStatus.REJECTED
    assert any("WhatsApp" in error for error in result.errors)
    assert service.draft is not None and service.draft.customer_name == "Ana Putri"
    assert service.draft.booking_step == "collecting"


def test_is_syncing_follows_the_sender() -> None:
    api = Api()
    service, *_ = make(api)
    seen: list[bool] = []
    service.checkout.subscribe(lambda s: seen.append(s.is_syncing))
    service.save_draft_immediately(COMPLETE)
    asyncio.run(service.checkout.confirm_booking())
    assert True in seen and service.checkout.is_syncing is False


def test_is_syncing_notifies_only_when_it_changes() -> None:
    service, sync, *_ = make(Api())
    calls = []
    service.checkout.subscribe(lambda s: calls.append(s.is_syncing))
    service.checkout._set_syncing(True)
    service.checkout._set_syncing(True)  # no change, no notification
    assert calls == [True] and service.checkout.is_syncing and not service.is_saving


def test_prefill_fills_only_the_fields_the_customer_left_empty() -> None:
    api = Api(last={"customer_name": "Ana Putri", "customer_whatsapp": "+6281234567890",
                    "location_type": "hotel", "massage_for": "myself", "duration": 60})
    service, *_ = make(api)
    service.save_draft_immediately({"customer_name": "Ann", "location_type": "villa"})
    updates = asyncio.run(service.checkout.fetch_and_prefill_from_backend(CUSTOMER, "./api"))
    assert updates == {"customer_whatsapp": "+6281234567890", "massage_for": "myself", "duration": 60}
    assert service.draft.customer_name == "Ann" and service.draft.location_type == "villa"


def test_prefill_for_a_customer_without_bookings_is_none_and_changes_nothing() -> None:
    service, *_ = make(Api())
    assert asyncio.run(service.checkout.fetch_and_prefill_from_backend(CUSTOMER)) is None
    assert service.draft is None


def test_a_queued_draft_confirmed_by_another_page_is_dropped_on_the_next_start() -> None:
    api = Api(503)
    service, sync, storage, _, _ = make(api)
    service.save_draft_immediately(COMPLETE)
    asyncio.run(service.checkout.confirm_booking())
    queued_draft = storage.getItem(draft_key(SESSION))
    asyncio.run(sync.retry_now())  # as if another tab sent it: outbox done, confirmation kept ...
    storage.setItem(draft_key(SESSION), queued_draft)  # ... while this page's copy of the draft stayed
    assert '"queued"' in queued_draft
    reopened, *_ = make(Api(), storage)
    assert reopened.draft is None
    assert storage.getItem(draft_key(SESSION)) is None


def test_a_draft_without_a_confirmation_survives_the_next_start() -> None:
    api = Api(503)
    service, _, storage, _, _ = make(api)
    service.save_draft_immediately(COMPLETE)
    asyncio.run(service.checkout.confirm_booking())
    reopened, *_ = make(Api(), storage)
    assert reopened.draft is not None and reopened.draft.booking_step == "queued"


def test_a_new_draft_started_after_ordering_survives_the_old_bookings_confirmation() -> None:
    api = Api(503)
    service, sync, *_ = make(api)
    service.save_draft_immediately(COMPLETE)
    asyncio.run(service.checkout.confirm_booking())
    service.clear_draft()  # "Start fresh" while the first booking waits in the outbox
    service.save_draft_immediately({"customer_name": "Budi"})
    asyncio.run(sync.retry_now())
    assert service.draft is not None and service.draft.customer_name == "Budi"
