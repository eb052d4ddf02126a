"""Every change of a booking's status passes through ``record``: the new request, accept, decline,
cancel, complete, and the sweep's expiry.

``record(conn, change)`` runs inside the transaction that changed the booking and writes, in it:

- one ``booking_events`` row (who, when, from, to, why), and
- one system message in the conversation (``sender_type`` "system", ``event`` = the
  ``BookingEvent``, ``message`` = an English sentence for anyone without a page to say it),

so a change, its history and its line in the chat commit together or not at all. After the commit
the caller wakes both sides' long polls (``wake``). One function on purpose: whatever else must
happen with every change (notifications, issue 18) is added here, with the connection and the
event at hand.

Example::

    with transaction(conn):
        updated = crud.set_status(conn, ...)
        event = record(conn, Change(updated, action="accept", actor="therapist", actor_id="t-ayu",
                                    from_status="requested", at=now))
    wake(notifier, updated)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from app.domain.models import BookingCreated, BookingEvent
from backend.core.notify import Notifier, conversation_topic, therapist_topic
from backend.crud import booking_events as crud
from backend.crud import chat as chat_crud
from backend.services.notifications import TOPIC as NOTIFICATIONS_TOPIC
from backend.services.sessions import Session, session_id_for

if TYPE_CHECKING:
    from backend.services.notifications import Outbox


@dataclass(frozen=True)
class Change:
    booking: BookingCreated          # as it is after the change
    action: str                      # request, accept, decline, cancel, complete, expire
    actor: str                       # customer, therapist, system
    actor_id: str                    # the customer's id, the therapist's id, or "system"
    from_status: str | None          # None for a new request
    at: int                          # epoch ms
    reason: str = ""


def when(starts_at: datetime | None, label: str) -> str:
    """'Tue 9 Dec, 15:00 WITA' (the therapist's wall clock), or 'a time to be agreed'."""
    if starts_at is None:
        return "a time to be agreed"
    return f"{starts_at:%a} {starts_at.day} {starts_at:%b}, {starts_at:%H:%M} {label}".rstrip()


def sentence(event: BookingEvent) -> str:
    """The English line of the chat for this event (each page says it in its reader's language)."""
    at = when(event.starts_at, event.time_zone_label)
    therapist = event.therapist_name or "The therapist"
    customer = event.customer_name or "The customer"
    reason = f" Reason: {event.reason}" if event.reason else ""
    lines = {
        "requested": f"{customer} requested a booking for {at}.",
        "confirmed": f"{therapist} confirmed the booking for {at}.",
        "declined": f"{therapist} declined the booking for {at}.{reason}",
        "expired": f"The booking request for {at} expired: nobody answered in time.",
        "cancelled": f"{therapist if event.by == 'therapist' else customer} cancelled the booking for {at}.{reason}",
        "completed": f"{therapist} marked the booking for {at} completed.",
    }
    return lines[event.status]


def event_of(change: Change) -> BookingEvent:
    booking = change.booking
    return BookingEvent(booking_id=booking.id, status=booking.status, by=change.actor,  # type: ignore[arg-type]
                        starts_at=booking.starts_at, time_zone_label=booking.time_zone_label,
                        therapist_name=booking.booking.therapist_name,
                        customer_name=booking.booking.customer_name, reason=change.reason)


def session_of(booking: BookingCreated) -> Session:
    therapist, customer = booking.booking.therapist_id, booking.booking.customer_id
    return Session(session_id_for(therapist, customer), therapist, customer)


def record(conn: Connection, change: Change, outbox: Outbox | None = None) -> BookingEvent:
    """Store the change's history row, its system message and (with ``outbox``) the notifications it
    owes (issue 18: to the side that did not cause it; a reminder once confirmed), in the caller's
    open transaction."""
    booking = change.booking
    event = event_of(change)
    crud.insert_event(conn, booking_id=booking.id, at=change.at, actor=change.actor, actor_id=change.actor_id,
                      action=change.action, from_status=change.from_status, to_status=booking.status,
                      reason=change.reason)
    # A new request names the conversation after its customer (the therapist's list shows the name).
    chat_crud.add_system_message(conn, session_of(booking), message_id=f"event-{booking.id}-{booking.status}",
                                 message=sentence(event), event=event.model_dump(mode="json"), now=change.at,
                                 customer_name=booking.booking.customer_name if change.action == "request" else None)
    if outbox is not None:
        outbox.on_transition(conn, booking, booking.status, change.actor, reason=change.reason)
    return event


def wake(notifier: Notifier, booking: BookingCreated) -> None:
    """After the commit: both sides' long polls re-query (the conversation, and the therapist's list)."""
    session = session_of(booking)
    notifier.publish(conversation_topic(session.session_id))
    notifier.publish(therapist_topic(session.therapist_id))
    notifier.publish(NOTIFICATIONS_TOPIC)  # the dispatcher delivers what the change owes now, not at its next look
