"""Bookings through the outbox: ``BookingSync`` queues one booking per chat session and sends it.

A booking is POSTed to ``{api_base}/bookings`` with an Idempotency-Key that every retry reuses
(``app.outbox.sender`` does the sending for every kind). What is booking-specific lives here:

- one entry per session: ordering again replaces an entry never sent, but keeps the key of one
  that may have reached the server (a new key could book twice);
- a 2xx is kept per session as a confirmation (``ConfirmationStore``), shown again after a
  reload, and reported through ``on_confirmed``;
- the prefill GET of the customer's last booking.

Example::

    sync = BookingSync(storage, transport, scheduler, clock, on_confirmed=show_confirmation)
    result = await sync.submit(session_id, request)
    if result:
        show_confirmation(result.created)
    else:
        show(result.message, result.errors)   # QUEUED / REJECTED / CONFLICT
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pydantic

from app.domain import words
from app.domain.errors import ChatBookingError
from app.domain.models import BookingCreated, BookingRequest, LastBooking
from app.domain.ports import HttpResponse
from app.domain.validation import message_for
from app.outbox.responses import id_from
from app.outbox.results import Request, SyncResult, SyncStatus
from app.outbox.sender import OutboxSender, api_url
from app.outbox.store import ConfirmationStore, EntryState, OutboxEntry

KIND = "booking"


@dataclass(frozen=True)
class PendingInfo:
    """A session's booking still in the outbox, for "queued" / "sending" UI."""

    key: str
    state: EntryState
    attempts: int
    next_attempt_at: int | None  # epoch ms of the next automatic attempt; None when it waits for the customer
    last_error: str
    in_flight: bool  # a request for it is under way in this tab or (by lease) another


def _confirmed(created: BookingCreated) -> SyncResult:
    return SyncResult(SyncStatus.CONFIRMED, booking_id=created.id, created=created, message=words.BOOKING.sent)


class BookingSync:
    """The booking kind of the outbox; builds its own ``OutboxSender`` unless given one."""

    texts = words.BOOKING

    def __init__(self, storage, transport, scheduler, clock, *, api_base: str = "./api",
                 random: Callable[[], float] | None = None, spawn=None, owner_id: str | None = None,
                 on_confirmed: Callable[[str, BookingCreated], None] | None = None,
                 sender: OutboxSender | None = None) -> None:
        if sender is None:
            extra = {"random": random} if random is not None else {}
            sender = OutboxSender(storage, transport, scheduler, clock, api_base=api_base, spawn=spawn,
                                  owner_id=owner_id, **extra)
        self.sender = sender
        self._confirmations = ConfirmationStore(sender.storage, sender.clock)
        self.on_confirmed = on_confirmed
        sender.register(KIND, self)

    @classmethod
    def attached(cls, sender: OutboxSender, *,
                 on_confirmed: Callable[[str, BookingCreated], None] | None = None) -> BookingSync:
        return cls(None, None, None, None, sender=sender, on_confirmed=on_confirmed)

    # --- the sender's state, for the page ---------------------------------------------------

    @property
    def api_base(self) -> str:
        return self.sender.api_base

    @api_base.setter
    def api_base(self, value: str) -> None:
        self.sender.api_base = value

    @property
    def owner_id(self) -> str:
        return self.sender.owner_id

    @property
    def is_syncing(self) -> bool:
        return self.sender.is_syncing

    @property
    def persistent(self) -> bool:
        return self.sender.persistent

    @property
    def problem(self) -> str | None:
        return self.sender.problem

    def snapshot(self):
        return self.sender.snapshot()

    def subscribe(self, callback):
        return self.sender.subscribe(callback)

    async def retry_now(self) -> list[SyncResult]:
        return await self.sender.retry_now()

    async def resume(self) -> list[SyncResult]:
        return await self.sender.resume()

    def trigger(self) -> None:
        self.sender.trigger()

    def release_leases(self) -> None:
        self.sender.release_leases()

    # --- one session's booking ----------------------------------------------------------------

    def _entry(self, session_id: str) -> OutboxEntry | None:
        return self.sender.outbox.for_session(session_id, kind=KIND)

    def pending(self, session_id: str) -> PendingInfo | None:
        entry = self._entry(session_id)
        if entry is None:
            return None
        waits = entry.state is not EntryState.QUEUED
        return PendingInfo(entry.key, entry.state, entry.attempts,
                           None if waits else max(entry.next_attempt_at, entry.not_before),
                           entry.last_error, self.sender.busy(entry))

    def confirmation(self, session_id: str) -> BookingCreated | None:
        return self._confirmations.load(session_id)

    def clear_confirmation(self, session_id: str) -> None:
        self._confirmations.clear(session_id)

    def discard(self, session_id: str) -> bool:
        """Drop a session's queued booking (the customer gave up on it); False while it is being sent."""
        entry = self._entry(session_id)
        return entry is not None and self.sender.remove(entry.key)

    async def submit(self, session_id: str, request: BookingRequest) -> SyncResult:
        """Queue ``request`` for ``session_id`` (reusing an equal queued one) and send it now."""
        body = request.model_dump(mode="json")
        done = self._confirmations.load(session_id)
        if done is not None and done.booking.model_dump(mode="json") == body:
            return _confirmed(done)  # already booked: a late second click must not book it twice
        entry = self.sender.outbox.update(lambda entries: self._enqueue(entries, session_id, body))
        return await self.sender.send(entry)

    def _enqueue(self, entries: list[OutboxEntry], session_id: str, body: dict[str, Any]) -> OutboxEntry:
        current = next((e for e in entries if e.session_id == session_id and e.kind == KIND), None)
        if current is not None and (current.body == body or current.maybe_delivered):
            if current.body != body:
                # An earlier POST may have booked the old body: a new key could book twice, so the
                # key stays and the server decides (books it, replays the original, or refuses).
                current.body, current.body_changed_after_send = body, True
            current.state = EntryState.QUEUED  # asked again: wakes a CONFLICT / GAVE_UP entry
            return current
        if current is not None:
            entries.remove(current)  # never sent: the changed booking simply replaces it
        entry = OutboxEntry(key=str(uuid.uuid4()), kind=KIND, session_id=session_id, body=body,
                            created_at=self.sender.clock.now_ms())
        entries.append(entry)
        return entry

    # --- the Delivery protocol (called by the sender) -------------------------------------------

    def request(self, entry: OutboxEntry) -> Request:
        return Request("bookings")

    def delivered(self, entry: OutboxEntry, response: HttpResponse) -> SyncResult:
        try:
            created = BookingCreated.model_validate_json(response.text)
        except pydantic.ValidationError:
            # The server said yes but its body is not what we expect: the booking exists all the
            # same, so confirm it from what we sent rather than sending it again.
            created = BookingCreated(id=id_from(response.text) or entry.key, created_at=self.sender.clock.now_ms(),
                                     booking=BookingRequest.model_validate(entry.body))
        self._confirmations.save(entry.session_id, created)
        if self.on_confirmed is not None:
            self.on_confirmed(entry.session_id, created)
        return _confirmed(created)

    def conflicted(self, entry: OutboxEntry, response: HttpResponse) -> SyncResult | None:
        """A 409 naming ``starts_at``: the time was just taken (or, for "as soon as possible", nothing is
        free). The server stored nothing, so the entry goes (the next Order now, with another time, gets
        a new key) and ``Start time`` (or ``When``) says why."""
        try:
            payload = json.loads(response.text)
        except ValueError:
            return None
        if not isinstance(payload, dict) or payload.get("field") != "starts_at":
            return None  # another conflict (a reused key): parked, the customer decides
        field = "when" if entry.body.get("asap") else "starts_at"  # "as soon as possible" found nothing free
        taken = message_for(field, "taken")
        return SyncResult(SyncStatus.REJECTED, errors=[taken], fields=[(field, taken)],
                          message=words.INVALID_BOOKING, idempotency_key=entry.key)

    def refused(self, entry: OutboxEntry, result: SyncResult) -> None:
        pass  # the result goes back to the customer's "Order now"; the draft is still there to edit

    def finished_elsewhere(self, entry: OutboxEntry) -> SyncResult:
        done = self._confirmations.load(entry.session_id)
        if done is not None:
            return _confirmed(done)
        return SyncResult(SyncStatus.REJECTED, message=self.texts.handled_elsewhere, idempotency_key=entry.key)

    # --- prefill ------------------------------------------------------------------------

    async def fetch_last_booking(self, customer_id: str) -> LastBooking | None:
        """The customer's last booking for prefilling, or None (offline, 404, any error); never raises."""
        url = api_url(self.api_base, "bookings/last") + "?customer_id=" + quote(customer_id, safe="")
        headers = {"Accept": "application/json", **self.sender.credentials()}
        try:
            response = await self.sender.transport.request("GET", url, headers=headers)
        except ChatBookingError:
            return None  # prefill is a convenience: no answer just means empty fields
        if response.status != 200:
            return None
        try:
            data = json.loads(response.text)
            return None if data is None else LastBooking.model_validate(data)
        except ValueError:  # bad JSON, or pydantic.ValidationError (a ValueError)
            return None
