"""The SQL for bookings: small functions over a connection (``backend.db.engine``: SQLite or PostgreSQL),
no FastAPI in sight. Plain portable SQL in SQLAlchemy ``text()`` with ``:name`` parameters.

Times are epoch milliseconds (UTC) in the database; a booking is read back with its times as aware
datetimes in the therapist's zone as booked (``time_zone``), so the API says ``15:00+08:00``.
A booking from before times (revision 0006) has none: "Time to be agreed".

Example::

    with database.connection() as conn:
        inserted = insert_booking(conn, key="k1", request_hash=h, created=created, hold=(start, end))
        stored = find_by_key(conn, customer_id, "k1")      # StoredBooking(created, request_hash)
        overlapping(conn, "t-ayu", start, end)              # True when a holding booking is in the way
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import Connection, text

from app.domain.models import BookingCreated, BookingRequest, LastBooking
from backend.core.clock import now_ms

__all__ = ["HOLDING", "StoredBooking", "bookings_between", "expire_due", "find_by_key", "get_booking",
           "holds_between", "insert_booking", "last_for_customer", "list_bookings", "new_booking_id",
           "now_ms", "overlapping", "set_status", "therapist_bookings"]

_COLUMNS = ("id, created_at, booking_json, request_hash, status, starts_at, ends_at, expires_at, time_zone,"
            " time_zone_label, status_reason, status_changed_at, status_changed_by")
LEGACY_ADDRESS = "Not given"
# The statuses that hold time (app.domain.lifecycle.HOLDING), as SQL.
HOLDING = "('requested', 'confirmed')"


@dataclass(frozen=True)
class StoredBooking:
    created: BookingCreated
    request_hash: str


def new_booking_id() -> str:
    """'bk_' + 96 random bits, URL-safe: short, and unguessable (it is the booking's capability)."""
    return "bk_" + secrets.token_urlsafe(12)


def _moment(value: int | None, time_zone: str) -> datetime | None:
    if value is None or not time_zone:
        return None
    return datetime.fromtimestamp(value / 1000, tz=ZoneInfo(time_zone))


def _request(booking_json: str) -> BookingRequest:
    try:
        return BookingRequest.model_validate_json(booking_json)
    except ValidationError:
        # A booking stored before revision 0006 has no address and no time: it reads with
        # LEGACY_ADDRESS and asap (its BookingCreated has no starts_at: "Time to be agreed").
        data = json.loads(booking_json)
        if "address" in data:
            raise
        return BookingRequest.model_validate(data | {"address": LEGACY_ADDRESS, "asap": True})


def created_from(row: Any) -> BookingCreated:
    """A row selected with ``_COLUMNS`` as the API's BookingCreated."""
    zone = row.time_zone
    return BookingCreated(
        id=row.id, created_at=row.created_at, booking=_request(row.booking_json),
        status=row.status, starts_at=_moment(row.starts_at, zone), ends_at=_moment(row.ends_at, zone),
        expires_at=_moment(row.expires_at, zone), time_zone=zone, time_zone_label=row.time_zone_label,
        status_reason=row.status_reason, status_changed_at=row.status_changed_at,
        status_changed_by=row.status_changed_by)


def _ms(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


def insert_booking(conn: Connection, *, key: str, request_hash: str, created: BookingCreated,
                   hold: tuple[int, int] | None = None) -> bool:
    """Insert; False (and nothing written) when this customer's key is already taken. On PostgreSQL
    a hold overlapping another holding booking of the therapist raises IntegrityError (the
    exclusion constraint); on SQLite the caller checks ``overlapping`` first, under the write lock."""
    booking = created.booking
    cursor = conn.execute(text(
        "INSERT INTO bookings (id, idempotency_key, request_hash, customer_id, therapist_id, created_at,"
        " booking_json, status, starts_at, ends_at, hold_start, hold_end, expires_at, time_zone,"
        " time_zone_label, status_reason, status_changed_at, status_changed_by)"
        " VALUES (:id, :key, :hash, :customer, :therapist, :at, :json, :status, :starts, :ends, :hold_start,"
        " :hold_end, :expires, :zone, :label, :reason, :changed_at, :changed_by)"
        " ON CONFLICT (customer_id, idempotency_key) DO NOTHING"),
        {"id": created.id, "key": key, "hash": request_hash, "customer": booking.customer_id,
         "therapist": booking.therapist_id, "at": created.created_at, "json": booking.model_dump_json(),
         "status": created.status, "starts": _ms(created.starts_at), "ends": _ms(created.ends_at),
         "hold_start": hold[0] if hold else None, "hold_end": hold[1] if hold else None,
         "expires": _ms(created.expires_at), "zone": created.time_zone, "label": created.time_zone_label,
         "reason": created.status_reason, "changed_at": created.status_changed_at,
         "changed_by": created.status_changed_by})
    return cursor.rowcount == 1


def find_by_key(conn: Connection, customer_id: str, key: str) -> StoredBooking | None:
    """This customer's booking made with ``key`` (keys are the customer's own: another's is not seen)."""
    row = conn.execute(text(f"SELECT {_COLUMNS} FROM bookings WHERE customer_id = :customer"
                            " AND idempotency_key = :key"), {"customer": customer_id, "key": key}).first()
    return None if row is None else StoredBooking(created_from(row), row.request_hash)


def get_booking(conn: Connection, booking_id: str) -> BookingCreated | None:
    if "\x00" in booking_id:
        return None  # no stored id holds a NUL, and PostgreSQL refuses to even compare one
    row = conn.execute(text(f"SELECT {_COLUMNS} FROM bookings WHERE id = :id"), {"id": booking_id}).first()
    return None if row is None else created_from(row)


def last_for_customer(conn: Connection, customer_id: str) -> LastBooking | None:
    row = conn.execute(text(
        f"SELECT {_COLUMNS} FROM bookings WHERE customer_id = :customer"
        " ORDER BY created_at DESC, seq DESC LIMIT 1"), {"customer": customer_id}).first()
    if row is None:
        return None
    created = created_from(row)
    booking = created.booking
    return LastBooking(customer_name=booking.customer_name, customer_whatsapp=booking.customer_whatsapp,
                       location_type=booking.location_type, massage_for=booking.massage_for,
                       duration=booking.duration, address=booking.address, id=created.id,
                       therapist_id=booking.therapist_id, status=created.status, starts_at=created.starts_at,
                       ends_at=created.ends_at, time_zone_label=created.time_zone_label,
                       status_reason=created.status_reason, status_changed_at=created.status_changed_at,
                       status_changed_by=created.status_changed_by)


def list_bookings(conn: Connection, limit: int) -> list[BookingCreated]:
    rows = conn.execute(text(
        f"SELECT {_COLUMNS} FROM bookings ORDER BY created_at DESC, seq DESC LIMIT :limit"), {"limit": limit})
    return [created_from(row) for row in rows]


def bookings_between(conn: Connection, therapist_id: str, customer_id: str,
                     limit: int = 100) -> list[BookingCreated]:
    """This customer's bookings with this therapist, newest first (the therapist's side panel)."""
    rows = conn.execute(text(
        f"SELECT {_COLUMNS} FROM bookings WHERE customer_id = :customer AND therapist_id = :therapist"
        " ORDER BY created_at DESC, seq DESC LIMIT :limit"),
        {"customer": customer_id, "therapist": therapist_id, "limit": limit})
    return [created_from(row) for row in rows]


def therapist_bookings(conn: Connection, therapist_id: str, *, start: int, end: int,
                       statuses: Sequence[str], limit: int = 500) -> list[BookingCreated]:
    """The therapist's bookings starting in ``[start, end)`` (ms) with one of ``statuses``, by start."""
    names = {f"s{i}": status for i, status in enumerate(statuses)}
    wanted = ", ".join(f":{name}" for name in names) or "NULL"
    rows = conn.execute(text(
        f"SELECT {_COLUMNS} FROM bookings WHERE therapist_id = :therapist AND starts_at >= :start"
        f" AND starts_at < :end AND status IN ({wanted}) ORDER BY starts_at, seq LIMIT :limit"),
        {"therapist": therapist_id, "start": start, "end": end, "limit": limit, **names})
    return [created_from(row) for row in rows]


def holds_between(conn: Connection, therapist_id: str, start: int, end: int, *,
                  now: int) -> list[tuple[int, int]]:
    """The held ranges of the therapist's requested and confirmed bookings touching ``[start, end)``;
    a request past its ``expires_at`` holds nothing, even before the sweep has marked it expired."""
    rows = conn.execute(text(
        f"SELECT hold_start, hold_end FROM bookings WHERE therapist_id = :therapist AND status IN {HOLDING}"
        " AND hold_start IS NOT NULL AND hold_start < :end AND hold_end > :start"
        " AND NOT (status = 'requested' AND expires_at <= :now)"),
        {"therapist": therapist_id, "start": start, "end": end, "now": now})
    return [(row.hold_start, row.hold_end) for row in rows]


def overlapping(conn: Connection, therapist_id: str, start: int, end: int) -> bool:
    """True when a requested or confirmed booking of the therapist holds any of ``[start, end)``."""
    row = conn.execute(text(
        f"SELECT 1 FROM bookings WHERE therapist_id = :therapist AND status IN {HOLDING}"
        " AND hold_start IS NOT NULL AND hold_start < :end AND hold_end > :start LIMIT 1"),
        {"therapist": therapist_id, "start": start, "end": end}).first()
    return row is not None


def set_status(conn: Connection, booking_id: str, *, old: str, new: str, reason: str, at: int,
               by: str) -> BookingCreated | None:
    """Move the booking from ``old`` to ``new``; None (nothing written) when it is no longer ``old``
    (another transition got there first: the caller reads it again)."""
    row = conn.execute(text(
        "UPDATE bookings SET status = :new, status_reason = :reason, status_changed_at = :at,"
        f" status_changed_by = :by WHERE id = :id AND status = :old RETURNING {_COLUMNS}"),
        {"new": new, "reason": reason, "at": at, "by": by, "id": booking_id, "old": old}).first()
    return None if row is None else created_from(row)


def expire_due(conn: Connection, now: int, therapist_id: str | None = None,
               limit: int = 200) -> list[BookingCreated]:
    """Requests nobody answered by ``expires_at`` become ``expired``; the ones this call expired.

    One UPDATE … RETURNING: on PostgreSQL a row another transaction is expiring is waited for and
    then skipped (its status is no longer ``requested``), so each booking is expired, and announced,
    by exactly one caller, however many processes sweep.
    """
    only = " AND therapist_id = :therapist" if therapist_id is not None else ""
    values = {"now": now, "limit": limit} | ({"therapist": therapist_id} if therapist_id is not None else {})
    rows = conn.execute(text(
        "UPDATE bookings SET status = 'expired', status_reason = '', status_changed_at = :now,"
        " status_changed_by = 'system' WHERE id IN (SELECT id FROM bookings WHERE status = 'requested'"
        f" AND expires_at <= :now{only} ORDER BY expires_at, id LIMIT :limit) AND status = 'requested'"
        f" RETURNING {_COLUMNS}"), values).all()
    return [created_from(row) for row in rows]


def has_due(conn: Connection, now: int) -> bool:
    """Cheap (no write lock): is any request past its ``expires_at``?"""
    row = conn.execute(text("SELECT 1 FROM bookings WHERE status = 'requested' AND expires_at <= :now LIMIT 1"),
                       {"now": now}).first()
    return row is not None
