"""The SQL for bookings: small functions over a connection (``backend.db.engine``: SQLite or PostgreSQL),
no FastAPI in sight. Plain portable SQL in SQLAlchemy ``text()`` with ``:name`` parameters.

Example::

    with database.connection() as conn:
        inserted = insert_booking(conn, key="k1", request_hash=h, created=created)
        stored = find_by_key(conn, customer_id, "k1")      # StoredBooking(created, request_hash)
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from app.domain.models import BookingCreated, BookingRequest, LastBooking
from backend.core.clock import now_ms

__all__ = ["StoredBooking", "bookings_between", "find_by_key", "get_booking", "insert_booking",
           "last_for_customer", "list_bookings", "new_booking_id", "now_ms"]

_COLUMNS = "id, created_at, booking_json, request_hash"


@dataclass(frozen=True)
class StoredBooking:
    created: BookingCreated
    request_hash: str


def new_booking_id() -> str:
    """'bk_' + 96 random bits, URL-safe: short, and unguessable (it is the booking's capability)."""
    return "bk_" + secrets.token_urlsafe(12)


def _created(row: Any) -> BookingCreated:
    return BookingCreated(id=row.id, created_at=row.created_at,
                          booking=BookingRequest.model_validate_json(row.booking_json))


def insert_booking(conn: Connection, *, key: str, request_hash: str,
                   created: BookingCreated) -> bool:
    """Insert; False (and nothing written) when this customer's key is already taken."""
    booking = created.booking
    cursor = conn.execute(text(
        "INSERT INTO bookings (id, idempotency_key, request_hash, customer_id, therapist_id,"
        " created_at, booking_json) VALUES (:id, :key, :hash, :customer, :therapist, :at, :json)"
        " ON CONFLICT (customer_id, idempotency_key) DO NOTHING"),
        {"id": created.id, "key": key, "hash": request_hash, "customer": booking.customer_id,
         "therapist": booking.therapist_id, "at": created.created_at, "json": booking.model_dump_json()})
    return cursor.rowcount == 1


def find_by_key(conn: Connection, customer_id: str, key: str) -> StoredBooking | None:
    """This customer's booking made with ``key`` (keys are the customer's own: another's is not seen)."""
    row = conn.execute(text(f"SELECT {_COLUMNS} FROM bookings WHERE customer_id = :customer"
                            " AND idempotency_key = :key"), {"customer": customer_id, "key": key}).first()
    return None if row is None else StoredBooking(_created(row), row.request_hash)


def get_booking(conn: Connection, booking_id: str) -> BookingCreated | None:
    if "\x00" in booking_id:
        return None  # no stored id holds a NUL, and PostgreSQL refuses to even compare one
    row = conn.execute(text(f"SELECT {_COLUMNS} FROM bookings WHERE id = :id"), {"id": booking_id}).first()
    return None if row is None else _created(row)


def last_for_customer(conn: Connection, customer_id: str) -> LastBooking | None:
    row = conn.execute(text(
        f"SELECT {_COLUMNS} FROM bookings WHERE customer_id = :customer"
        " ORDER BY created_at DESC, seq DESC LIMIT 1"), {"customer": customer_id}).first()
    if row is None:
        return None
    booking = _created(row).booking
    return LastBooking(customer_name=booking.customer_name, customer_whatsapp=booking.customer_whatsapp,
                       location_type=booking.location_type, massage_for=booking.massage_for,
                       duration=booking.duration)


def list_bookings(conn: Connection, limit: int) -> list[BookingCreated]:
    rows = conn.execute(text(
        f"SELECT {_COLUMNS} FROM bookings ORDER BY created_at DESC, seq DESC LIMIT :limit"), {"limit": limit})
    return [_created(row) for row in rows]


def bookings_between(conn: Connection, therapist_id: str, customer_id: str,
                     limit: int = 100) -> list[BookingCreated]:
    """This customer's bookings with this therapist, newest first (the therapist's side panel)."""
    rows = conn.execute(text(
        f"SELECT {_COLUMNS} FROM bookings WHERE customer_id = :customer AND therapist_id = :therapist"
        " ORDER BY created_at DESC, seq DESC LIMIT :limit"),
        {"customer": customer_id, "therapist": therapist_id, "limit": limit})
    return [_created(row) for row in rows]
