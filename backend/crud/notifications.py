"""The SQL of notifications: the outbox rows (``notifications``) and the push subscriptions.

A row is written ``pending`` in its event's own transaction (``insert_notifications``), then the
dispatcher's ``claim`` takes due rows: on PostgreSQL ``FOR UPDATE SKIP LOCKED``, so processes
sharing the database never take the same row; on SQLite inside ``BEGIN IMMEDIATE`` (one writer).
A claim counts the attempt and *leases* the row (``next_attempt_at`` moves to the lease's end), so
a process killed mid-delivery leaves a row that is due again once the lease runs out, never one
stuck. Every ``finish_*`` is fenced by the attempt number it claimed, so an outcome from an
expired lease cannot overwrite a newer claim's.

A message's row carries its ``seq``: a claim drops the row instead when the recipient's read mark
(``read_through`` for the therapist, ``replies_read_through`` for the customer) has reached it.

Example::

    with transaction(conn):
        insert_notifications(conn, [NewNotification(...)])
    with transaction(conn):
        due = claim(conn, "webhook", limit=8, now=now_ms(), lease_ms=60_000)
    finish_delivered(conn, due[0].id, due[0].attempts, now_ms())
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, text

STATUSES = ("pending", "delivered", "failed", "dropped")


@dataclass(frozen=True)
class NewNotification:
    id: str
    event_key: str
    type: str
    channel: str          # "webhook" | "push"
    recipient: str        # "therapist" | "customer"
    therapist_id: str
    customer_id: str
    session_id: str
    booking_id: str | None
    seq: int | None       # a message's seq (dropped once read), None for events that are always news
    endpoint: str | None  # push: the subscription's endpoint
    due_at: int           # epoch ms
    created_at: int
    payload: str          # JSON


@dataclass(frozen=True)
class Claimed:
    id: str
    type: str
    channel: str
    recipient: str
    endpoint: str | None
    attempts: int         # including this one
    payload: str


@dataclass(frozen=True)
class PushSubscription:
    endpoint: str
    owner_type: str
    owner_id: str
    p256dh: str
    auth: str
    language: str


def insert_notifications(conn: Connection, rows: list[NewNotification]) -> int:
    """Insert pending rows; a row whose id exists (the same event again) is left as it is."""
    if not rows:
        return 0
    result = conn.execute(text(
        "INSERT INTO notifications (id, event_key, type, channel, recipient, therapist_id, customer_id,"
        " session_id, booking_id, seq, endpoint, status, attempts, next_attempt_at, created_at, payload)"
        " VALUES (:id, :event_key, :type, :channel, :recipient, :therapist_id, :customer_id, :session_id,"
        " :booking_id, :seq, :endpoint, 'pending', 0, :due_at, :created_at, :payload)"
        " ON CONFLICT (id) DO NOTHING"), [row.__dict__ for row in rows])
    return max(result.rowcount, 0)


_DROP_READ = text(
    "UPDATE notifications SET status = 'dropped', finished_at = :now, last_error = 'read before it was sent'"
    " WHERE id IN :ids AND seq IS NOT NULL AND EXISTS (SELECT 1 FROM conversations c"
    "  WHERE c.session_id = notifications.session_id AND ("
    "   (notifications.recipient = 'therapist' AND c.read_through >= notifications.seq) OR"
    "   (notifications.recipient = 'customer' AND c.replies_read_through >= notifications.seq)))"
).bindparams(bindparam("ids", expanding=True))
_LEASE = text(
    "UPDATE notifications SET attempts = attempts + 1, next_attempt_at = :lease"
    " WHERE id IN :ids AND status = 'pending'"
).bindparams(bindparam("ids", expanding=True))
_CLAIMED = text(
    "SELECT id, type, channel, recipient, endpoint, attempts, payload FROM notifications"
    " WHERE id IN :ids AND status = 'pending'"
).bindparams(bindparam("ids", expanding=True))


def claim(conn: Connection, channel: str, *, limit: int, now: int, lease_ms: int) -> list[Claimed]:
    """Inside a ``transaction``: up to ``limit`` due rows of ``channel``, leased to the caller.

    Read messages among them are dropped here, not delivered."""
    lock = " FOR UPDATE SKIP LOCKED" if conn.dialect.name == "postgresql" else ""
    ids = list(conn.execute(text(
        "SELECT id FROM notifications WHERE status = 'pending' AND next_attempt_at <= :now AND channel = :channel"
        f" ORDER BY next_attempt_at LIMIT :limit{lock}"), {"now": now, "channel": channel, "limit": limit}).scalars())
    if not ids:
        return []
    conn.execute(_DROP_READ, {"ids": ids, "now": now})
    conn.execute(_LEASE, {"ids": ids, "lease": now + lease_ms})
    return [Claimed(row.id, row.type, row.channel, row.recipient, row.endpoint, int(row.attempts), row.payload)
            for row in conn.execute(_CLAIMED, {"ids": ids})]


def _finish(conn: Connection, sql: str, values: dict[str, Any]) -> bool:
    # "AND attempts = :attempts AND status = 'pending'": only the claim that is still current may finish it.
    result = conn.execute(text(sql + " WHERE id = :id AND attempts = :attempts AND status = 'pending'"), values)
    return result.rowcount == 1


def finish_delivered(conn: Connection, row_id: str, attempts: int, now: int) -> bool:
    return _finish(conn, "UPDATE notifications SET status = 'delivered', finished_at = :now, last_error = NULL",
                   {"id": row_id, "attempts": attempts, "now": now})


def finish_retry(conn: Connection, row_id: str, attempts: int, due_at: int, error: str) -> bool:
    return _finish(conn, "UPDATE notifications SET next_attempt_at = :due, last_error = :error",
                   {"id": row_id, "attempts": attempts, "due": due_at, "error": error[:500]})


def finish_ended(conn: Connection, row_id: str, attempts: int, now: int, status: str, error: str) -> bool:
    """``failed`` (no attempts left, or refused for good) or ``dropped`` (no longer news / no target)."""
    assert status in ("failed", "dropped")
    return _finish(conn, "UPDATE notifications SET status = :status, finished_at = :now, last_error = :error",
                   {"id": row_id, "attempts": attempts, "now": now, "status": status, "error": error[:500]})


def drop_pending(conn: Connection, booking_id: str, type_: str, reason: str, now: int) -> int:
    """Drop the pending rows of one booking's events of a type (a reminder of a booking since cancelled)."""
    result = conn.execute(text(
        "UPDATE notifications SET status = 'dropped', finished_at = :now, last_error = :reason"
        " WHERE booking_id = :b AND type = :t AND status = 'pending'"),
        {"b": booking_id, "t": type_, "now": now, "reason": reason})
    return max(result.rowcount, 0)


def counts(conn: Connection) -> dict[str, int]:
    found = {status: 0 for status in STATUSES}
    for row in conn.execute(text("SELECT status, COUNT(*) AS n FROM notifications GROUP BY status")):
        found[row.status] = int(row.n)
    return found


def failed_rows(conn: Connection, limit: int = 50) -> list[Any]:
    """The newest failed rows: id, type, channel, recipient, attempts, finished_at, last_error."""
    return list(conn.execute(text(
        "SELECT id, type, channel, recipient, attempts, finished_at, last_error FROM notifications"
        " WHERE status = 'failed' ORDER BY finished_at DESC, id LIMIT :limit"), {"limit": limit}))


# -- push subscriptions -------------------------------------------------------------------------

def save_subscription(conn: Connection, sub: PushSubscription, now: int) -> bool:
    """Store (or move to this owner, with these keys); True when the endpoint was not stored before."""
    existed = conn.execute(text("SELECT 1 FROM push_subscriptions WHERE endpoint = :e"),
                           {"e": sub.endpoint}).first() is not None
    conn.execute(text(
        "INSERT INTO push_subscriptions (endpoint, owner_type, owner_id, p256dh, auth, language, created_at)"
        " VALUES (:endpoint, :owner_type, :owner_id, :p256dh, :auth, :language, :now)"
        " ON CONFLICT (endpoint) DO UPDATE SET owner_type = excluded.owner_type, owner_id = excluded.owner_id,"
        " p256dh = excluded.p256dh, auth = excluded.auth, language = excluded.language"),
        {**sub.__dict__, "now": now})
    return not existed


def delete_subscription(conn: Connection, endpoint: str, owner_type: str | None = None,
                        owner_id: str | None = None) -> bool:
    """Delete by endpoint (only the owner's, when one is named); True when a row went."""
    if owner_type is None:
        result = conn.execute(text("DELETE FROM push_subscriptions WHERE endpoint = :e"), {"e": endpoint})
    else:
        result = conn.execute(text("DELETE FROM push_subscriptions WHERE endpoint = :e AND owner_type = :t"
                                   " AND owner_id = :o"), {"e": endpoint, "t": owner_type, "o": owner_id})
    return result.rowcount == 1


def subscriptions_of(conn: Connection, owner_type: str, owner_id: str) -> list[PushSubscription]:
    rows = conn.execute(text(
        "SELECT endpoint, owner_type, owner_id, p256dh, auth, language FROM push_subscriptions"
        " WHERE owner_type = :t AND owner_id = :o ORDER BY created_at, endpoint"), {"t": owner_type, "o": owner_id})
    return [PushSubscription(r.endpoint, r.owner_type, r.owner_id, r.p256dh, r.auth, r.language) for r in rows]


def get_subscription(conn: Connection, endpoint: str) -> PushSubscription | None:
    r = conn.execute(text("SELECT endpoint, owner_type, owner_id, p256dh, auth, language FROM push_subscriptions"
                          " WHERE endpoint = :e"), {"e": endpoint}).first()
    return None if r is None else PushSubscription(r.endpoint, r.owner_type, r.owner_id, r.p256dh, r.auth,
                                                   r.language)


def customer_name(conn: Connection, session_id: str) -> str:
    """The conversation's customer name (from their latest booking), "" before one."""
    return conn.execute(text("SELECT customer_name FROM conversations WHERE session_id = :s"),
                        {"s": session_id}).scalar() or ""


def consented_whatsapp(conn: Connection, therapist_id: str, customer_id: str) -> str | None:
    """The customer's WhatsApp number from their latest booking with this therapist, only when that
    booking has ``whatsapp_updates`` (they ticked "Send me updates on WhatsApp"); else None."""
    booking_json = conn.execute(text(
        "SELECT booking_json FROM bookings WHERE customer_id = :c AND therapist_id = :t"
        " ORDER BY created_at DESC, seq DESC LIMIT 1"), {"c": customer_id, "t": therapist_id}).scalar()
    if not booking_json:
        return None
    booking = json.loads(booking_json)
    return str(booking.get("customer_whatsapp") or "") or None if booking.get("whatsapp_updates") is True else None


def purge_finished(conn: Connection, before: int) -> int:
    """Delete rows that ended (delivered, dropped, failed) before ``before`` (epoch ms): their payloads
    hold names and message snippets, kept no longer than the report needs them."""
    result = conn.execute(text("DELETE FROM notifications WHERE status <> 'pending' AND finished_at < :before"),
                          {"before": before})
    return max(result.rowcount, 0)
