"""From draft to booking: validate, queue, send; and prefill from the last booking.

This is the glue between the draft manager (``ChatBookingStorageService``) and the
sender (``BookingSync``), kept out of both so each stays about one thing. The
service exposes these as ``confirm_booking`` and ``fetch_and_prefill_from_backend``.

Rules: only a validated booking is sent; the draft stays until the server has
confirmed (``on_booking_confirmed`` clears it); prefill never overwrites a field
the customer has filled.

Example::

    result = await confirm_booking(service, sync, customer_id)
    if result:
        print("booked", result.booking_id)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.booking_sync import BookingSync, SyncResult, SyncStatus
from app.models import BookingCreated
from app.prefill import prefill_fields
from app.validation import DraftIncomplete

if TYPE_CHECKING:
    from app.storage_service import ChatBookingStorageService

INVALID_MESSAGE = "Please fix the details below before ordering."


async def confirm_booking(service: ChatBookingStorageService, sync: BookingSync, customer_id: str,
                          backend_url: str | None = None) -> SyncResult:
    """Validate the draft, then queue and send it; truthy only when the server confirmed."""
    service.flush()
    try:
        request = service.build_booking_request(customer_id)
    except DraftIncomplete as incomplete:
        return SyncResult(SyncStatus.INVALID, errors=incomplete.errors, message=INVALID_MESSAGE)
    if backend_url:
        sync.api_base = backend_url
    service.save_draft_immediately({"booking_step": "queued"})
    result = await sync.submit(service.session_id, request)
    if result.status in (SyncStatus.REJECTED, SyncStatus.CONFLICT) and service.draft is not None:
        service.save_draft_immediately({"booking_step": "collecting"})  # back to editing; nothing is lost
    return result


def on_booking_confirmed(service: ChatBookingStorageService, session_id: str, created: BookingCreated) -> bool:
    """The server stored the booking: only now is the draft (and its backup) removed."""
    if session_id != service.session_id:
        return False  # another chat's booking, sent from this tab's outbox: its own page clears it
    if service.draft is not None and service.draft.booking_step != "queued":
        return False  # the customer started a new draft after ordering: that one is not booked yet
    service.clear_draft()
    return True


def settle_confirmed_elsewhere(service: ChatBookingStorageService, sync: BookingSync) -> None:
    """A booking queued here may have been confirmed by another tab or page: drop the stale draft."""
    done = sync.confirmation(service.session_id)
    if done is not None and service.draft is not None and service.draft.booking_step == "queued" \
            and sync.pending(service.session_id) is None:
        service.clear_draft()


async def fetch_and_prefill(service: ChatBookingStorageService, sync: BookingSync, customer_id: str,
                            backend_url: str | None = None) -> dict | None:
    """Fill the draft's empty fields from the customer's last booking; None when there is none."""
    if backend_url:
        sync.api_base = backend_url
    last = await sync.fetch_last_booking(customer_id)
    if last is None:
        return None
    current = service.draft.model_dump() if service.draft is not None else {}
    updates = prefill_fields(current, last)
    if updates:
        service.save_draft_immediately(updates)
    return updates
