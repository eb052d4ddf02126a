"""Booking requests: stored once per Idempotency-Key, at a time that is free, holding it until answered.

``create_booking`` checks the catalog (therapist, duration, price), then the start: a chosen
``starts_at`` must be one the therapist offers (422 on ``starts_at`` otherwise: off the grid, past
or before the lead time, beyond ``days_ahead``, outside working hours), ``asap`` takes the earliest
free one. In one transaction it expires the therapist's overdue requests, checks that no
requested or confirmed booking holds any of the new hold (session + buffer) and inserts the
booking with its conversation and its system message (``booking_events.record``).

Two requests never hold overlapping time: SQLite has one writer (``BEGIN IMMEDIATE``), so the
check and the insert cannot interleave; on PostgreSQL the exclusion constraint refuses the
second insert however many processes race (revision 0006). The loser gets 409 naming
``starts_at`` ("That time was just taken"); an ``asap`` request tries the next free time instead
(on PostgreSQL the asap requests of one therapist queue on an advisory lock first, so eight at once
do not all pick, and lose, the same earliest time).

Example::

    created, replayed, expired = create_booking(conn, catalog, key, booking, ttl_ms=1_800_000)
    for changed in [created, *expired]:
        wake(notifier, changed)
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection

from app.domain.catalog import Therapist
from app.domain.models import BookingCreated, BookingRequest
from backend.core.clock import now_ms
from backend.core.errors import Conflict, FieldError, InvalidRequest
from backend.crud import bookings as crud
from backend.db.engine import INTEGRITY_ERRORS, transaction
from backend.services import idempotency, slots
from backend.services.notifications import Outbox
from backend.services.booking_events import Change, record
from backend.services.catalog import Catalog

TAKEN = "That time was just taken"
ASAP_TRIES = 10  # an asap request that loses its time to a chosen one tries the next free time


def _replay(stored: crud.StoredBooking, booking: BookingRequest) -> BookingCreated:
    # An empty therapist_name was filled in from the catalog when stored: compare with that name.
    as_stored = booking if booking.therapist_name else booking.model_copy(
        update={"therapist_name": stored.created.booking.therapist_name})
    idempotency.ensure_same_request(stored.request_hash, idempotency.request_hash(as_stored))
    return stored.created


def _check_start(therapist: Therapist, booking: BookingRequest, now: int) -> None:
    if booking.starts_at is None:
        return
    problem = slots.start_problem(therapist, booking.starts_at, booking.duration, now_ms=now)
    if problem is not None:
        raise InvalidRequest([FieldError(field="starts_at", type="start_not_offered", message=problem)])


def expire_overdue(conn: Connection, now: int, therapist_id: str | None = None, *,
                   outbox: Outbox | None = None) -> list[BookingCreated]:
    """Inside an open transaction: expire the requests past ``expires_at`` and announce each once."""
    expired = crud.expire_due(conn, now, therapist_id)
    for booking in expired:
        record(conn, Change(booking, action="expire", actor="system", actor_id="system",
                            from_status="requested", at=now), outbox)
    return expired


def _start_for(conn: Connection, therapist: Therapist, booking: BookingRequest, now: int) -> int:
    """The start (ms) this request will hold; Conflict when it is not free."""
    if booking.starts_at is not None:
        start = slots.to_ms(booking.starts_at)
        if crud.overlapping(conn, therapist.id, *slots.hold_of(therapist, start, booking.duration)):
            raise Conflict(TAKEN, field="starts_at")
        return start
    window = slots.search_window(therapist, now)
    holds = slots.Holds(crud.holds_between(conn, therapist.id, *window, now=now))
    found = slots.first_free(therapist, booking.duration, now_ms=now, holds=holds)
    if found is None:
        raise Conflict(f"{therapist.name} has no free time in the next {therapist.days_ahead} days",
                       field="starts_at")
    return slots.to_ms(found)


def _new(booking: BookingRequest, therapist: Therapist, start: int, now: int, ttl_ms: int) -> BookingCreated:
    zone = therapist.time_zone
    return BookingCreated(
        id=crud.new_booking_id(), created_at=now, booking=booking, status="requested",
        starts_at=slots.local(start, zone), ends_at=slots.local(start + booking.duration * slots.MINUTE_MS, zone),
        expires_at=slots.local(min(now + ttl_ms, start), zone), time_zone=zone,
        time_zone_label=therapist.time_zone_label, status_changed_at=now, status_changed_by="customer")


def _insert(conn: Connection, key: str, booking: BookingRequest, therapist: Therapist, ttl_ms: int,
            expired: list[BookingCreated], outbox: Outbox | None) -> BookingCreated | None:
    """One attempt in one transaction: the created booking, or None when the key was taken meanwhile."""
    with transaction(conn):
        if booking.asap:
            crud.queue_for_therapist(conn, therapist.id)
        now = now_ms()  # after the queue: the expiry and the lead time count from now
        expired_now = expire_overdue(conn, now, therapist.id, outbox=outbox)
        start = _start_for(conn, therapist, booking, now)
        created = _new(booking, therapist, start, now, ttl_ms)
        inserted = crud.insert_booking(conn, key=key, request_hash=idempotency.request_hash(booking),
                                       created=created, hold=slots.hold_of(therapist, start, booking.duration))
        if not inserted:
            expired += expired_now
            return None
        record(conn, Change(created, action="request", actor="customer", actor_id=booking.customer_id,
                            from_status=None, at=now), outbox)
    expired += expired_now  # only once committed: a refused attempt rolled its expiries back
    return created  # committed (synchronous=FULL / synchronous_commit=on) before the 201


def create_booking(conn: Connection, catalog: Catalog, key: str, booking: BookingRequest, *,
                   ttl_ms: int, outbox: Outbox | None = None) -> tuple[BookingCreated, bool, list[BookingCreated]]:
    """(the booking, True when it was stored before: a replay, the requests expired on the way).
    422 when the key stood for another booking of this customer, or the booking breaks the catalog's
    rules; 409 (Conflict on ``starts_at``) when the time is not free."""
    stored = crud.find_by_key(conn, booking.customer_id, key)
    if stored is not None:
        return _replay(stored, booking), True, []
    booking = catalog.with_therapist_name(booking)
    catalog.check(booking)
    therapist = catalog.therapists[booking.therapist_id]
    _check_start(therapist, booking, now_ms())
    expired: list[BookingCreated] = []
    for _ in range(ASAP_TRIES):
        try:
            created = _insert(conn, key, booking, therapist, ttl_ms, expired, outbox)
        except INTEGRITY_ERRORS:
            # PostgreSQL: the exclusion constraint (a racing request took the time first), or this
            # key's twin committed first. The twin's booking is the answer; else the time is gone.
            if crud.find_by_key(conn, booking.customer_id, key) is not None:
                created = None
            elif booking.asap:
                continue
            else:
                raise Conflict(TAKEN, field="starts_at") from None
        if created is not None:
            return created, False, expired
        # Another request with this key committed between our lookup and our insert.
        stored = crud.find_by_key(conn, booking.customer_id, key)
        assert stored is not None, "ON CONFLICT DO NOTHING implies the row exists"
        return _replay(stored, booking), True, expired
    raise Conflict(TAKEN, field="starts_at")


def free_slots(conn: Connection, therapist: Therapist, day: date,
               duration: int) -> tuple[list[datetime], datetime | None]:
    """(the free starts of ``day``, the earliest free start from now or None) for the slots endpoint."""
    now = now_ms()
    window = slots.search_window(therapist, now)
    holds = slots.Holds(crud.holds_between(conn, therapist.id, *window, now=now))
    return (slots.free_starts(therapist, day, duration, now_ms=now, holds=holds),
            slots.first_free(therapist, duration, now_ms=now, holds=holds))
