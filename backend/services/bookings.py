"""Creating a booking exactly once per (customer, Idempotency-Key), and the catalog's rules on insert only.

The key is looked up first: a retry of a stored booking is answered with it (201 +
``Idempotent-Replayed``) whatever the catalog says today (a therapist renamed, a price changed),
since it was checked when stored; only a new booking meets the catalog. Keys belong to their
customer: two customers who happen to send the same key get a booking each, and never see the
other's.

Example::

    created, replayed = create_booking(conn, catalog, key, booking)
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from app.domain.models import BookingCreated, BookingRequest
from backend.core.clock import now_ms
from backend.core.models import Session
from backend.crud import bookings as crud
from backend.crud import chat as chat_crud
from backend.db.engine import transaction
from backend.services import idempotency
from backend.services.catalog import Catalog
from backend.services.sessions import session_id_for


def _replay(stored: crud.StoredBooking, booking: BookingRequest) -> BookingCreated:
    # An empty therapist_name was filled in from the catalog when stored: compare with that name.
    as_stored = booking if booking.therapist_name else booking.model_copy(
        update={"therapist_name": stored.created.booking.therapist_name})
    idempotency.ensure_same_request(stored.request_hash, idempotency.request_hash(as_stored))
    return stored.created


def create_booking(conn: Connection, catalog: Catalog, key: str, booking: BookingRequest,
                   on_created: Callable[[Connection, BookingCreated], None] | None = None
                   ) -> tuple[BookingCreated, bool]:
    """(the booking, True when it was stored before: a replay). 422 when the key stood for another
    booking of this customer, or a new booking breaks the catalog's rules. ``on_created(conn,
    created)`` runs in the booking's own transaction (the notifications outbox)."""
    stored = crud.find_by_key(conn, booking.customer_id, key)
    if stored is not None:
        return _replay(stored, booking), True
    booking = catalog.with_therapist_name(booking)
    catalog.check(booking)
    created = BookingCreated(id=crud.new_booking_id(), created_at=now_ms(), booking=booking)
    session = Session(session_id_for(booking.therapist_id, booking.customer_id),
                      booking.therapist_id, booking.customer_id)
    with transaction(conn):  # the booking and its conversation, or neither
        inserted = crud.insert_booking(conn, key=key, request_hash=idempotency.request_hash(booking),
                                       created=created)
        if inserted:
            chat_crud.note_booking(conn, session, customer_name=booking.customer_name,
                                   duration=booking.duration)
            if on_created is not None:
                on_created(conn, created)
    if inserted:
        return created, False  # committed (synchronous=FULL / synchronous_commit=on) before the 201
    # Another request with this key committed between our lookup and our insert.
    stored = crud.find_by_key(conn, booking.customer_id, key)
    assert stored is not None, "ON CONFLICT DO NOTHING implies the row exists"
    return _replay(stored, booking), True
