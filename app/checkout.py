"""From draft to booking: the one place that knows the draft manager *and* the sender.

``Checkout`` validates the draft, queues it in the outbox and sends it, clears the draft only
once the server confirmed, settles a booking another tab confirmed, and prefills a returning
customer's empty fields from their last booking.

Rules: only a validated booking is sent; the draft stays until the server has confirmed
(``on_booking_confirmed`` clears it); prefill never overwrites a field the customer has filled.

Example::

    checkout = Checkout(drafts, BookingSync(storage, transport, scheduler, clock), customer_id)
    result = await checkout.confirm_booking()
    if result:
        print("booked", result.booking_id)
"""

from __future__ import annotations

from collections.abc import Callable

from app.domain import words
from app.domain.models import BookingCreated
from app.domain.observable import Observable
from app.domain.prefill import prefill_fields
from app.domain.validation import DraftIncomplete
from app.drafts.session import ChatBookingStorageService
from app.outbox.bookings import BookingSync
from app.outbox.results import SyncResult, SyncStatus


class Checkout(Observable):
    """One chat session's way from draft to confirmed booking; notifies when ``is_syncing`` changes."""

    def __init__(self, drafts: ChatBookingStorageService, sync: BookingSync, customer_id: str, *,
                 on_confirmed: Callable[[str, BookingCreated], None] | None = None) -> None:
        self.drafts, self.sync, self.customer_id = drafts, sync, customer_id
        self.on_confirmed = on_confirmed
        self._is_syncing = False
        sync.on_confirmed = self._confirmed
        sync.subscribe(lambda snapshot: self._set_syncing(snapshot.is_syncing))
        self.settle_confirmed_elsewhere()

    @property
    def is_syncing(self) -> bool:
        return self._is_syncing

    def _set_syncing(self, value: bool) -> None:
        if value != self._is_syncing:
            self._is_syncing = bool(value)
            self.notify()

    async def confirm_booking(self, backend_url: str | None = None) -> SyncResult:
        """Validate the draft, then queue and send it; truthy only when the server confirmed."""
        drafts = self.drafts
        drafts.flush()
        try:
            request = drafts.build_booking_request(self.customer_id)
        except DraftIncomplete as incomplete:
            return SyncResult(SyncStatus.INVALID, errors=incomplete.errors, fields=incomplete.fields,
                              message=words.INVALID_BOOKING)
        if backend_url:
            self.sync.api_base = backend_url
        drafts.save_draft_immediately({"booking_step": "queued"})
        result = await self.sync.submit(drafts.session_id, request)
        if result.status in (SyncStatus.REJECTED, SyncStatus.CONFLICT) and drafts.draft is not None:
            drafts.save_draft_immediately({"booking_step": "collecting"})  # back to editing; nothing is lost
        return result

    def _confirmed(self, session_id: str, created: BookingCreated) -> None:
        self.on_booking_confirmed(session_id, created)
        if self.on_confirmed is not None:
            self.on_confirmed(session_id, created)

    def on_booking_confirmed(self, session_id: str, created: BookingCreated) -> bool:
        """The server stored the booking: only now is the draft (and its backup) removed."""
        drafts = self.drafts
        if session_id != drafts.session_id:
            return False  # another chat's booking, sent from this tab's outbox: its own page clears it
        if drafts.draft is not None and drafts.draft.booking_step != "queued":
            return False  # the customer started a new draft after ordering: that one is not booked yet
        drafts.clear_draft()
        return True

    def settle_confirmed_elsewhere(self) -> None:
        """A booking queued here may have been confirmed by another tab or page: drop the stale draft."""
        drafts = self.drafts
        done = self.sync.confirmation(drafts.session_id)
        if done is not None and drafts.draft is not None and drafts.draft.booking_step == "queued" \
                and self.sync.pending(drafts.session_id) is None:
            drafts.clear_draft()

    async def fetch_and_prefill_from_backend(self, customer_id: str, url: str | None = None) -> dict | None:
        """Fill the draft's empty fields from the customer's last booking; None when there is none."""
        if url:
            self.sync.api_base = url
        last = await self.sync.fetch_last_booking(customer_id)
        if last is None:
            return None
        drafts = self.drafts
        current = drafts.draft.model_dump() if drafts.draft is not None else {}
        updates = prefill_fields(current, last)
        if updates:
            drafts.save_draft_immediately(updates)
        return updates
