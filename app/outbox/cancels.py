"""The customer's "Cancel this booking" through the outbox: ``CancelSync`` (kind ``cancel``).

A cancellation is kept on the device first, like every other action, and POSTed to
``bookings/{id}/cancel`` with an Idempotency-Key every retry reuses: offline it waits
("Waiting for network") and goes out once when the network is back, on this load or the next.
One entry per booking: asking again while one waits joins it (never a second key).

What the server answers:

- 2xx: cancelled; ``on_done(session_id, booking_id, BookingCreated | None)`` (None when the
  body is not a booking: the page reads the booking again);
- 409: the booking had moved on (the therapist declined first, it expired): the entry leaves
  the outbox and ``on_refused(session_id, booking_id, reason, status)`` says "Not sent" with the
  booking's current status, which the page then shows;
- 400/422: refused for good, reported the same way (no status);
- anything else: kept and retried by the sender.

Example::

    cancels = CancelSync(sender, on_done=tracker.cancelled, on_refused=tracker.cancel_refused)
    result = await cancels.cancel(session_id, "bk_1", reason="Plans changed")
    cancels.pending("bk_1")   # CancelPending(state=SendState.WAITING, ...) while offline
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import pydantic

from app.domain import words
from app.domain.models import BookingAction, BookingCreated
from app.domain.ports import HttpResponse
from app.outbox.messages import SendState
from app.outbox.responses import answered_status
from app.outbox.results import Request, SyncResult, SyncStatus
from app.outbox.sender import OutboxSender
from app.outbox.store import OutboxEntry

KIND = "cancel"
_STATUSES = ("requested", "confirmed", "declined", "expired", "cancelled", "completed")


@dataclass(frozen=True)
class CancelPending:
    """A cancellation still in the outbox, as the page shows it."""

    booking_id: str
    state: SendState  # SENDING, WAITING (offline) or UNAVAILABLE (a server answered, not with a result)
    key: str


def conflict_status(text: str) -> str | None:
    """The booking's current status from a 409 body (``{"detail": ..., "status": "declined"}``)."""
    try:
        payload = json.loads(text)
    except ValueError:
        return None
    status = payload.get("status") if isinstance(payload, dict) else None
    return status if status in _STATUSES else None


class CancelSync:
    """The ``cancel`` kind of the outbox."""

    texts = words.CANCEL

    def __init__(self, sender: OutboxSender, *,
                 on_done: Callable[[str, str, BookingCreated | None], None] | None = None,
                 on_refused: Callable[[str, str, str, str | None], None] | None = None) -> None:
        self.sender = sender
        self.on_done = on_done
        self.on_refused = on_refused
        sender.register(KIND, self)

    def _entry(self, booking_id: str) -> OutboxEntry | None:
        return next((e for e in self.sender.outbox.load() if e.kind == KIND and e.target == booking_id), None)

    def pending(self, booking_id: str) -> CancelPending | None:
        entry = self._entry(booking_id)
        if entry is None:
            return None
        if self.sender.busy(entry) or not entry.attempts:
            state = SendState.SENDING
        elif answered_status(entry.last_error) is None:
            state = SendState.WAITING
        else:
            state = SendState.UNAVAILABLE
        return CancelPending(booking_id, state, entry.key)

    async def cancel(self, session_id: str, booking_id: str, reason: str = "") -> SyncResult:
        """Keep the cancellation on the device, then send it now (joining one already waiting)."""
        body = BookingAction(reason=reason).model_dump(mode="json")

        def enqueue(entries: list[OutboxEntry]) -> OutboxEntry:
            current = next((e for e in entries if e.kind == KIND and e.target == booking_id), None)
            if current is not None:
                return current  # one cancellation per booking: the first reason stands
            entry = OutboxEntry(key=str(uuid.uuid4()), kind=KIND, session_id=session_id, target=booking_id,
                                body=body, created_at=self.sender.clock.now_ms())
            entries.append(entry)
            return entry

        entry = self.sender.outbox.update(enqueue)
        return await self.sender.send(entry)

    # --- the Delivery protocol (called by the sender) -------------------------------------------

    def request(self, entry: OutboxEntry) -> Request:
        return Request(f"bookings/{quote(entry.target, safe='')}/cancel")

    def delivered(self, entry: OutboxEntry, response: HttpResponse) -> SyncResult:
        try:
            created = BookingCreated.model_validate_json(response.text)
        except pydantic.ValidationError:
            created = None  # cancelled all the same; the page reads the booking again
        if self.on_done is not None:
            self.on_done(entry.session_id, entry.target, created)
        return SyncResult(SyncStatus.CONFIRMED, booking_id=entry.target, created=created, message=self.texts.sent,
                          idempotency_key=entry.key)

    def refused(self, entry: OutboxEntry, result: SyncResult) -> None:
        if self.on_refused is not None:
            self.on_refused(entry.session_id, entry.target, result.errors[0] if result.errors else result.message,
                            None)

    def conflicted(self, entry: OutboxEntry, response: HttpResponse) -> SyncResult:
        """A 409 (the entry has already left the outbox): the booking moved on; say to what."""
        status = conflict_status(response.text)
        reason = words.not_sent_because(words.STATUS_TITLES.get(status, status)) if status and status != "requested" \
            else words.CANCEL.rejected_fallback
        if self.on_refused is not None:
            self.on_refused(entry.session_id, entry.target, reason, status)
        return SyncResult(SyncStatus.CONFLICT, booking_id=entry.target, errors=[reason], message=self.texts.conflict,
                          idempotency_key=entry.key)

    def finished_elsewhere(self, entry: OutboxEntry) -> SyncResult:
        return SyncResult(SyncStatus.CONFIRMED, booking_id=entry.target, message=self.texts.handled_elsewhere,
                          idempotency_key=entry.key)
