"""The latest booking of this chat and its status, kept up to date: ``BookingTracker``.

The server is the truth about a booking's status; this device keeps its latest answer (at
``chatbooking:v1:<session>:booking``, shaped like the confirmation record), so "Your booking" shows the
status at once after a reload or offline, and follows every change:

- a system message of the conversation carries a ``BookingEvent`` (the long poll brings it
  within a few seconds): ``apply_event`` updates the kept booking; an event about a booking this
  device does not know (one made on another device) asks for ``refresh``;
- ``refresh`` reads ``GET /api/bookings/{id}`` (after a reload, back online, or a refused cancel);
- "Cancel this booking" goes through the outbox (``app.outbox.cancels``); its outcome lands here:
  cancelled, or ``note`` says why it was not sent.

Example::

    tracker = BookingTracker(sender, session_id)
    tracker.apply_event({"kind": "booking", "booking_id": "bk_1", "status": "confirmed", "by": "therapist"})
    tracker.latest.status          # "confirmed"
    await tracker.cancel("Plans changed")
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from urllib.parse import quote

import pydantic

from app.domain.errors import ChatBookingError
from app.domain.lifecycle import allowed_actions
from app.domain.models import BookingCreated, BookingEvent
from app.domain.observable import Observable
from app.outbox.cancels import CancelPending, CancelSync
from app.outbox.results import SyncResult
from app.outbox.sender import OutboxSender, api_url
from app.outbox.store import ConfirmationStore
from app.persistence.keys import booking_key


class BookingTracker(Observable):
    """One chat session's latest booking; notifies on every change of it (or of its cancellation)."""

    def __init__(self, sender: OutboxSender, session_id: str, *, cancels: CancelSync | None = None) -> None:
        self.sender, self.session_id = sender, session_id
        self.confirmations = ConfirmationStore(sender.storage, sender.clock, key=booking_key)
        self.cancels = cancels or CancelSync(sender)
        self.cancels.on_done = self._cancelled
        self.cancels.on_refused = self._cancel_refused
        # A cancellation's state ("Sending…", "Waiting for network") follows the sender's every change.
        sender.subscribe(lambda _snapshot: self.notify())
        self.note = ""  # why the last "Cancel this booking" was not sent ("" when it was, or none was asked)
        self.needs_refresh = False  # an event about a booking this device does not hold
        self._unknown_id: str | None = None  # that booking's id, for ``refresh``

    @property
    def latest(self) -> BookingCreated | None:
        return self.confirmations.load(self.session_id)

    def booked(self, session_id: str, created: BookingCreated) -> None:
        """A new request was stored by the server (the checkout's answer): it is the latest now."""
        if session_id != self.session_id:
            return
        self.note = ""
        self.confirmations.save(session_id, created)
        self.notify()

    def forget(self) -> None:
        self.confirmations.clear(self.session_id)
        self.note = ""
        self.notify()

    # --- what happened on the server --------------------------------------------------------------

    def apply_event(self, event: dict | None, at_ms: int = 0) -> bool:
        """A system message's event: True when it changed the kept booking."""
        try:
            parsed = BookingEvent.model_validate(event or {})
        except pydantic.ValidationError:
            return False  # not a booking event we know: the chat shows its message as it is
        latest = self.latest
        if latest is None or latest.id != parsed.booking_id:
            # A booking this device never saw (made on another device), or an older one.
            if latest is None or parsed.status == "requested":
                self.needs_refresh, self._unknown_id = True, parsed.booking_id
            return False
        if latest.status == parsed.status and latest.status_reason == parsed.reason:
            return False
        changed = latest.model_copy(update={
            "status": parsed.status, "status_reason": parsed.reason, "status_changed_by": parsed.by,
            "status_changed_at": at_ms or self.sender.clock.now_ms()})
        if parsed.starts_at is not None and changed.starts_at is None:
            changed.starts_at = parsed.starts_at
        self.confirmations.save(self.session_id, changed)
        self.notify()
        return True

    async def refresh(self, booking_id: str | None = None) -> BookingCreated | None:
        """Read the booking again from the server (never raises; None when it could not be read)."""
        latest = self.latest
        booking_id = booking_id or self._unknown_id or (latest.id if latest is not None else None)
        if booking_id is None:
            return None
        url = api_url(self.sender.api_base, f"bookings/{quote(booking_id, safe='')}")
        headers = {"Accept": "application/json", **self.sender.credentials()}
        try:
            response = await self.sender.transport.request("GET", url, headers=headers)
        except ChatBookingError:
            return None  # offline: what this device kept is shown until the next try
        if response.status != 200:
            return None
        try:
            fresh = BookingCreated.model_validate(json.loads(response.text))
        except ValueError:  # bad JSON or a shape we do not know (pydantic's error is a ValueError)
            return None
        latest = self.latest
        if latest is not None and latest.id != fresh.id and latest.created_at > fresh.created_at:
            return latest  # an older booking: the kept one stays the latest
        self.needs_refresh, self._unknown_id = False, None
        self.confirmations.save(self.session_id, fresh)
        self.notify()
        return fresh

    # --- cancelling -------------------------------------------------------------------------------

    def can_cancel(self, now_ms: int) -> bool:
        """``Cancel this booking`` is offered while the lifecycle allows the customer to cancel."""
        latest = self.latest
        if latest is None or self.cancels.pending(latest.id) is not None:
            return False
        now = datetime.fromtimestamp(now_ms / 1000, timezone.utc)
        return "cancel" in allowed_actions(latest.status, "customer", now=now, starts_at=latest.starts_at)

    def cancel_pending(self) -> CancelPending | None:
        latest = self.latest
        return self.cancels.pending(latest.id) if latest is not None else None

    async def cancel(self, reason: str = "") -> SyncResult | None:
        latest = self.latest
        if latest is None:
            return None
        self.note = ""
        self.notify()
        result = await self.cancels.cancel(self.session_id, latest.id, reason.strip())
        self.notify()
        return result

    def _cancelled(self, session_id: str, booking_id: str, created: BookingCreated | None) -> None:
        latest = self.latest
        if session_id != self.session_id or latest is None or latest.id != booking_id:
            return
        if created is None:
            created = latest.model_copy(update={"status": "cancelled", "status_changed_by": "customer",
                                                "status_changed_at": self.sender.clock.now_ms()})
        self.confirmations.save(session_id, created)
        self.notify()

    def _cancel_refused(self, session_id: str, booking_id: str, reason: str, status: str | None) -> None:
        latest = self.latest
        if session_id != self.session_id or latest is None or latest.id != booking_id:
            return
        self.note = reason
        if status is not None and status != latest.status:
            self.confirmations.save(session_id, latest.model_copy(update={"status": status}))
            self.needs_refresh = True  # the reason and who did it come with the booking itself
        self.notify()
