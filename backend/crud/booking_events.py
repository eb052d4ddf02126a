"""The SQL of a booking's history (``booking_events``) and of its actions' Idempotency-Keys
(``booking_actions``). Called inside the transaction that changes the booking.

Example::

    insert_event(conn, booking_id="bk_1", at=now, actor="therapist", actor_id="t-ayu",
                 action="accept", from_status="requested", to_status="confirmed", reason="")
    stored = find_action(conn, "therapist:t-ayu", key)      # StoredAction | None
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text


@dataclass(frozen=True)
class StoredAction:
    booking_id: str
    action: str
    request_hash: str
    status_code: int
    answer_json: str


def insert_event(conn: Connection, *, booking_id: str, at: int, actor: str, actor_id: str, action: str,
                 from_status: str | None, to_status: str, reason: str) -> None:
    conn.execute(text(
        "INSERT INTO booking_events (booking_id, at, actor, actor_id, action, from_status, to_status, reason)"
        " VALUES (:booking, :at, :actor, :actor_id, :action, :from_status, :to_status, :reason)"),
        {"booking": booking_id, "at": at, "actor": actor, "actor_id": actor_id, "action": action,
         "from_status": from_status, "to_status": to_status, "reason": reason})


def events_of(conn: Connection, booking_id: str) -> list[Any]:
    """The booking's history, oldest first (rows: at, actor, actor_id, action, from_status, to_status, reason)."""
    return conn.execute(text(
        "SELECT at, actor, actor_id, action, from_status, to_status, reason FROM booking_events"
        " WHERE booking_id = :booking ORDER BY seq"), {"booking": booking_id}).all()


def find_action(conn: Connection, actor: str, key: str) -> StoredAction | None:
    row = conn.execute(text(
        "SELECT booking_id, action, request_hash, status_code, answer_json FROM booking_actions"
        " WHERE actor = :actor AND idempotency_key = :key"), {"actor": actor, "key": key}).first()
    return None if row is None else StoredAction(row.booking_id, row.action, row.request_hash,
                                                 row.status_code, row.answer_json)


def insert_action(conn: Connection, *, actor: str, key: str, booking_id: str, action: str, request_hash: str,
                  status_code: int, answer_json: str, at: int) -> bool:
    """Keep the first answer given for this actor's key; False when a racing twin kept one first."""
    cursor = conn.execute(text(
        "INSERT INTO booking_actions (actor, idempotency_key, booking_id, action, request_hash, status_code,"
        " answer_json, created_at) VALUES (:actor, :key, :booking, :action, :hash, :code, :answer, :at)"
        " ON CONFLICT (actor, idempotency_key) DO NOTHING"),
        {"actor": actor, "key": key, "booking": booking_id, "action": action, "hash": request_hash,
         "code": status_code, "answer": answer_json, "at": at})
    return cursor.rowcount == 1
