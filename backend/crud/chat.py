"""The SQL of the chat: conversations and their messages, small functions over a connection.

Each message gets ``seq`` = its conversation's ``last_seq + 1``, taken in the same
transaction that inserts it, so seqs are gap-free and strictly increasing per conversation
and commit in order (the write lock, or on PostgreSQL the conversation's row lock, orders
them). ``UNIQUE (session_id, id)`` makes a message id count once, whatever the races.
Plain portable SQL only (``ON CONFLICT``, correlated subqueries; no SQLite functions): it runs
unchanged on SQLite and PostgreSQL (``backend.db.engine``), and is right under both engines' locking.

Example::

    with database.connection() as conn:
        stored, created = add_message(conn, session, NewMessage("m1", "customer", "c-1", "Hi", ts),
                                      may_create=True)
        page = message_page(conn, session.session_id, MessageCursor())   # MessagePage
        mark_read(conn, session.session_id)                                # read_through
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from backend.core.clock import now_ms
from backend.core.models import (
    ConversationList,
    ConversationSummary,
    MessageCursor,
    MessagePage,
    MessagePublic,
    Session,
    snippet,
)
from backend.db.engine import INTEGRITY_ERRORS, snapshot, transaction

PAGE_MAX = 200  # messages per answer; the cursor continues from the last one returned
LIST_MAX = 200  # conversations per answer, newest activity first
NEW_CUSTOMER = "New customer"
_INSERT_COLUMNS = "session_id, seq, id, sender_type, sender_id, message, timestamp, server_time"
_MESSAGE_COLUMNS = _INSERT_COLUMNS + ", event_json"


class ConversationMissing(LookupError):
    """A reply or read mark for a conversation that was never started."""


@dataclass(frozen=True)
class NewMessage:
    id: str
    sender_type: str
    sender_id: str
    message: str
    timestamp: int


def _public(row: Any, read_through: int) -> MessagePublic:
    customer = row.sender_type == "customer"
    return MessagePublic(id=row.id, session_id=row.session_id, sender_type=row.sender_type,
                         sender_id=row.sender_id, message=row.message, timestamp=row.timestamp,
                         server_time=row.server_time, seq=row.seq,
                         read=(row.seq <= read_through) if customer else None,
                         event=json.loads(row.event_json) if row.event_json else None)


def _find(conn: Connection, session_id: str, message_id: str) -> Any | None:
    return conn.execute(text(f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE session_id = :s AND id = :id"),
                        {"s": session_id, "id": message_id}).first()


def _replies_read_through(conn: Connection, session_id: str) -> int:
    value = conn.execute(text("SELECT replies_read_through FROM conversations WHERE session_id = :s"),
                         {"s": session_id}).scalar()
    return 0 if value is None else int(value)


def _read_through(conn: Connection, session_id: str) -> int:
    value = conn.execute(text("SELECT read_through FROM conversations WHERE session_id = :s"),
                         {"s": session_id}).scalar()
    return 0 if value is None else int(value)


def add_message(conn: Connection, session: Session, new: NewMessage, *, may_create: bool,
                on_stored: Callable[[Connection, MessagePublic], None] | None = None
                ) -> tuple[MessagePublic, bool]:
    """Store ``new`` once; (stored message, True) when stored now, (earlier one, False) if its id was
    taken. ConversationMissing when the conversation does not exist and may not be created.
    ``on_stored(conn, message)`` runs in the same transaction once a new message is in (the
    notifications outbox: they commit together or not at all)."""
    now = now_ms()
    try:
        with transaction(conn):
            if may_create:
                conn.execute(text(
                    "INSERT INTO conversations (session_id, therapist_id, customer_id, created_at,"
                    " last_activity, version) VALUES (:s, :t, :c, :now, :now, 0)"
                    " ON CONFLICT (session_id) DO NOTHING"),
                    {"s": session.session_id, "t": session.therapist_id, "c": session.customer_id, "now": now})
            existing = _find(conn, session.session_id, new.id)
            if existing is not None:
                return _public(existing, _read_through(conn, session.session_id)), False
            seq = conn.execute(text(
                "UPDATE conversations SET last_seq = last_seq + 1, last_activity = :now, last_message = :m,"
                " last_sender_type = :st, version = version + 1 WHERE session_id = :s RETURNING last_seq"),
                {"now": now, "m": snippet(new.message), "st": new.sender_type, "s": session.session_id}).scalar()
            if seq is None:
                raise ConversationMissing(session.session_id)
            conn.execute(text(f"INSERT INTO messages ({_INSERT_COLUMNS})"
                              " VALUES (:s, :seq, :id, :st, :sid, :m, :ts, :now)"),
                         {"s": session.session_id, "seq": seq, "id": new.id, "st": new.sender_type,
                          "sid": new.sender_id, "m": new.message, "ts": new.timestamp, "now": now})
            stored = _public(_find(conn, session.session_id, new.id), _read_through(conn, session.session_id))
            if on_stored is not None:
                on_stored(conn, stored)
            return stored, True
    except INTEGRITY_ERRORS:
        # Only reachable on an engine without an up-front write lock (PostgreSQL): the UNIQUE
        # constraint stopped a racing twin, whose row is the one that counts.
        existing = _find(conn, session.session_id, new.id)
        if existing is None:
            raise
        return _public(existing, _read_through(conn, session.session_id)), False


def message_page(conn: Connection, session_id: str, after: MessageCursor) -> MessagePage:
    """Messages after the cursor, oldest first, and the read mark: one consistent snapshot."""
    with snapshot(conn):
        read_through = _read_through(conn, session_id)
        replies_read = _replies_read_through(conn, session_id)
        rows = conn.execute(text(f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE session_id = :s AND seq > :after"
                                 " ORDER BY seq LIMIT :limit"),
                            {"s": session_id, "after": after.seq, "limit": PAGE_MAX}).all()
    messages = [_public(row, read_through) for row in rows]
    cursor = MessageCursor(messages[-1].seq if messages else after.seq, max(read_through, after.read_through),
                           max(replies_read, after.replies_read_through))
    return MessagePage(messages=messages, cursor=str(cursor), read_through=read_through,
                       replies_read_through=replies_read)


def page_has_news(page: MessagePage, after: MessageCursor) -> bool:
    return (bool(page.messages) or page.read_through > after.read_through
            or page.replies_read_through > after.replies_read_through)


def conversation_exists(conn: Connection, session_id: str) -> bool:
    row = conn.execute(text("SELECT 1 FROM conversations WHERE session_id = :s"), {"s": session_id}).first()
    return row is not None


def mark_read(conn: Connection, session_id: str) -> int:
    """Every customer message so far is read; the new read_through. ConversationMissing if none."""
    with transaction(conn):
        current = conn.execute(text("SELECT read_through FROM conversations WHERE session_id = :s"),
                               {"s": session_id}).scalar()
        if current is None:
            raise ConversationMissing(session_id)
        newest = conn.execute(text("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE session_id = :s"
                                   " AND sender_type = 'customer'"), {"s": session_id}).scalar_one()
        if newest <= current:
            return int(current)  # nothing new read: no version bump, no wake-up
        # "AND read_through < :n": a mark only ever moves forward, even when two marks race on an
        # engine whose transactions do not take the write lock up front (PostgreSQL).
        updated = conn.execute(text("UPDATE conversations SET read_through = :n, version = version + 1"
                                    " WHERE session_id = :s AND read_through < :n"), {"n": newest, "s": session_id})
        if updated.rowcount == 0:
            return _read_through(conn, session_id)  # a racing mark got at least this far
        return int(newest)


def mark_replies_read(conn: Connection, session_id: str, through: int) -> int:
    """The customer's page showed the therapist's replies up to seq ``through``; the new mark.

    Capped at the newest reply (a mark cannot run ahead of what exists), and only ever moves
    forward. ConversationMissing when there is no such conversation.
    """
    with transaction(conn):
        current = conn.execute(text("SELECT replies_read_through FROM conversations WHERE session_id = :s"),
                               {"s": session_id}).scalar()
        if current is None:
            raise ConversationMissing(session_id)
        newest = conn.execute(text("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE session_id = :s"
                                   " AND sender_type = 'therapist' AND seq <= :through"),
                              {"s": session_id, "through": through}).scalar_one()
        if newest <= current:
            return int(current)
        conn.execute(text("UPDATE conversations SET replies_read_through = :n WHERE session_id = :s"
                          " AND replies_read_through < :n"), {"n": newest, "s": session_id})
        return _replies_read_through(conn, session_id)


def add_system_message(conn: Connection, session: Session, *, message_id: str, message: str,
                       event: dict[str, Any], now: int, customer_name: str | None = None) -> None:
    """A line from the system (a booking's change) at the end of the conversation, inside the
    caller's transaction (the change and its line commit together, or neither). Once per id.
    ``customer_name``: a new booking's name, which the conversation takes (the list shows it).
    One upsert starts or bumps the conversation (three statements in all: this runs under SQLite's
    write lock, where each statement is time another writer waits)."""
    if _find(conn, session.session_id, message_id) is not None:
        return
    seq = conn.execute(text(
        "INSERT INTO conversations (session_id, therapist_id, customer_id, customer_name, created_at,"
        " last_activity, last_seq, last_message, last_sender_type, version)"
        " VALUES (:s, :t, :c, :name, :now, :now, 1, :m, 'system', 1)"
        " ON CONFLICT (session_id) DO UPDATE SET last_seq = conversations.last_seq + 1,"
        " customer_name = COALESCE(excluded.customer_name, conversations.customer_name),"
        " last_activity = excluded.last_activity, last_message = excluded.last_message,"
        " last_sender_type = 'system', version = conversations.version + 1 RETURNING last_seq"),
        {"s": session.session_id, "t": session.therapist_id, "c": session.customer_id, "name": customer_name,
         "now": now, "m": snippet(message)}).scalar_one()
    conn.execute(text(f"INSERT INTO messages ({_MESSAGE_COLUMNS})"
                      " VALUES (:s, :seq, :id, 'system', 'system', :m, :now, :now, :event)"),
                 {"s": session.session_id, "seq": seq, "id": message_id, "m": message, "now": now,
                  "event": json.dumps(event, separators=(",", ":"))})


def _whatsapp_ending(booking_json: str | None) -> str | None:
    """The last four digits of the latest booking's WhatsApp number: two customers with one name
    are told apart in the list. None before a booking."""
    if not booking_json:
        return None
    digits = "".join(ch for ch in str(json.loads(booking_json).get("customer_whatsapp", "")) if ch.isdigit())
    return digits[-4:] or None


def conversation_list(conn: Connection, therapist_id: str) -> ConversationList:
    with snapshot(conn):
        rows = conn.execute(text(
            "SELECT c.session_id, c.customer_id, c.customer_name, c.last_message, c.last_sender_type,"
            " c.last_activity, (SELECT COUNT(*) FROM messages m WHERE m.session_id = c.session_id"
            "  AND m.sender_type = 'customer' AND m.seq > c.read_through) AS unread,"
            " (SELECT b.booking_json FROM bookings b WHERE b.customer_id = c.customer_id"
            "  AND b.therapist_id = c.therapist_id ORDER BY b.created_at DESC, b.seq DESC LIMIT 1) AS last_booking,"
            " (SELECT COUNT(*) FROM bookings w WHERE w.customer_id = c.customer_id AND w.therapist_id = c.therapist_id"
            "  AND w.status = 'requested') AS requests_waiting,"
            " (SELECT e.event_json FROM messages e WHERE e.session_id = c.session_id AND e.seq = c.last_seq"
            "  AND c.last_sender_type = 'system') AS last_event"
            " FROM conversations c WHERE c.therapist_id = :t"
            # Conversations with a request waiting for an answer first, then the newest activity.
            " ORDER BY CASE WHEN EXISTS (SELECT 1 FROM bookings w WHERE w.customer_id = c.customer_id"
            "  AND w.therapist_id = c.therapist_id AND w.status = 'requested') THEN 0 ELSE 1 END,"
            " c.last_activity DESC, c.session_id LIMIT :limit"), {"t": therapist_id, "limit": LIST_MAX}).all()
        total = conn.execute(text("SELECT COALESCE(SUM(version), 0) FROM conversations WHERE therapist_id = :t"),
                             {"t": therapist_id}).scalar_one()
    conversations = [ConversationSummary(
        session_id=row.session_id, customer_id=row.customer_id,
        customer_name=row.customer_name or NEW_CUSTOMER, last_message=row.last_message,
        last_sender_type=row.last_sender_type, last_activity=row.last_activity, unread=row.unread,
        whatsapp_ending=_whatsapp_ending(row.last_booking), requests_waiting=row.requests_waiting,
        last_event=json.loads(row.last_event) if row.last_event else None,
    ) for row in rows]
    return ConversationList(conversations=conversations, cursor=f"c.{total}")
