"""Events that reach whoever is away: build the event, and ``enqueue`` it in the event's own transaction.

An ``Event`` says what happened (``type``), to which conversation and booking, and who is told
(``recipients``: the side that did not cause it). ``Outbox.enqueue(conn, event)`` writes one
``notifications`` row per recipient x channel -- a webhook row when ``NOTIFY_WEBHOOK_URL`` is set,
one push row per stored subscription of the recipient when Web Push is on -- inside the caller's
transaction, so the event and its notifications commit together or not at all (a transactional
outbox). Row ids are a hash of (event key, recipient, channel, endpoint): stable across retries and
the same if an event were enqueued twice. The dispatcher (``backend.services.dispatcher``) delivers.

    type               to                     when due                   dropped when
    message            therapist              + NOTIFY_DELAY             the therapist read it
    reply              customer               + NOTIFY_DELAY             the customer's page showed it
    booking_requested  therapist              at once
    booking_confirmed  customer               at once
    booking_declined   customer               at once
    booking_expired    both                   at once
    booking_cancelled  the other side         at once
    reminder           both                   REMINDER_MINUTES before    (merge: booking no longer confirmed)

No customer phone number is ever in a push payload; a webhook body carries the customer's WhatsApp
number only when the booking has ``whatsapp_updates`` (the customer ticked it) and the recipient
is the customer.

Example::

    outbox = Outbox(settings)
    with transaction(conn):
        ...store the message...
        outbox.enqueue(conn, message_event(session, stored, customer_name="Ana", therapist_name="Ayu"))
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

from app.domain.models import BookingCreated
from backend.core.clock import now_ms
from backend.core.config import Settings
from backend.core.models import MessagePublic, Session, snippet
from backend.crud import notifications as crud
from backend.services.notification_words import Facts, knows, language_of, words_for

TOPIC = "notifications"  # published after an enqueue commits: the dispatcher looks at once
STATUS_TYPES = {"confirmed": "booking_confirmed", "declined": "booking_declined",
                "expired": "booking_expired", "cancelled": "booking_cancelled"}
SNIPPET = 140


@dataclass(frozen=True)
class BookingFacts:
    id: str
    status: str
    starts_at: datetime | None      # in the therapist's zone; None: asap / time to be agreed
    time_zone_label: str
    duration: int
    customer_whatsapp: str | None   # only when the customer asked for WhatsApp updates


@dataclass(frozen=True)
class Event:
    type: str                        # a key of notification_words' table, e.g. "message"
    key: str                         # unique per event: "message:<session_id>:<seq>", "booking:<id>:confirmed"
    session_id: str
    therapist_id: str
    customer_id: str
    recipients: tuple[str, ...]      # "therapist" and/or "customer"
    occurred_at: int                 # epoch ms
    therapist_name: str = ""
    customer_name: str = ""
    text: str = ""                   # a message's snippet
    seq: int | None = None           # a message's seq: the read check
    reason: str = ""
    booking: BookingFacts | None = None
    due_at: int | None = None        # None: at once (messages: + NOTIFY_DELAY)
    customer_whatsapp: str | None = None  # a message's: the latest booking's number, if it has consent
    language: dict[str, str] = field(default_factory=dict)  # recipient -> language for the webhook text


def _facts(created: BookingCreated) -> BookingFacts:
    booking = created.booking
    return BookingFacts(id=created.id, status=created.status, starts_at=created.starts_at or booking.starts_at,
                        time_zone_label=created.time_zone_label, duration=booking.duration,
                        customer_whatsapp=booking.customer_whatsapp if booking.whatsapp_updates else None)


def _session_of(created: BookingCreated) -> str:
    return f"session_{created.booking.therapist_id}_{created.booking.customer_id}"


def message_event(session: Session, message: MessagePublic, *, customer_name: str = "",
                  therapist_name: str = "", customer_whatsapp: str | None = None) -> Event | None:
    """A customer's message (to the therapist) or a therapist's reply (to the customer); None for a
    system line (a status change is its own event)."""
    if message.sender_type not in ("customer", "therapist"):
        return None
    from_customer = message.sender_type == "customer"
    return Event(type="message" if from_customer else "reply",
                 key=f"message:{session.session_id}:{message.seq}", session_id=session.session_id,
                 therapist_id=session.therapist_id, customer_id=session.customer_id,
                 recipients=("therapist",) if from_customer else ("customer",),
                 occurred_at=message.server_time, therapist_name=therapist_name,
                 customer_name=customer_name, text=snippet(message.message)[:SNIPPET], seq=message.seq,
                 customer_whatsapp=customer_whatsapp)


def booking_requested_event(created: BookingCreated) -> Event:
    booking = created.booking
    return Event(type="booking_requested", key=f"booking:{created.id}:requested", session_id=_session_of(created),
                 therapist_id=booking.therapist_id, customer_id=booking.customer_id, recipients=("therapist",),
                 occurred_at=created.created_at, therapist_name=booking.therapist_name,
                 customer_name=booking.customer_name, booking=_facts(created))


def status_event(created: BookingCreated, status: str, actor: str, *, reason: str = "",
                 occurred_at: int | None = None) -> Event | None:
    """A status change, told to the side that did not cause it (both when the system did); None for
    changes nobody is told of (``completed``, ``requested``)."""
    type_ = STATUS_TYPES.get(status)
    if type_ is None:
        return None
    recipients = tuple(side for side in ("therapist", "customer") if side != actor and knows(type_, side))
    if not recipients:
        return None
    booking = created.booking
    facts = replace(_facts(created), status=status)
    return Event(type=type_, key=f"booking:{created.id}:{status}", session_id=_session_of(created),
                 therapist_id=booking.therapist_id, customer_id=booking.customer_id, recipients=recipients,
                 occurred_at=occurred_at if occurred_at is not None else now_ms(),
                 therapist_name=booking.therapist_name, customer_name=booking.customer_name, reason=reason,
                 booking=facts)


def reminder_event(created: BookingCreated, minutes: int) -> Event | None:
    """A reminder to both, due ``minutes`` before a confirmed start (None without a start, or when
    that moment has passed). The lifecycle enqueues it when the booking is confirmed; a cancel then
    drops it (``Outbox.drop_reminder``)."""
    starts_at = created.starts_at or created.booking.starts_at
    if starts_at is None:
        return None
    due = int((starts_at - timedelta(minutes=minutes)).timestamp() * 1000)
    if due <= now_ms():
        return None
    booking = created.booking
    return Event(type="reminder", key=f"booking:{created.id}:reminder", session_id=_session_of(created),
                 therapist_id=booking.therapist_id, customer_id=booking.customer_id,
                 recipients=("therapist", "customer"), occurred_at=now_ms(), therapist_name=booking.therapist_name,
                 customer_name=booking.customer_name, booking=replace(_facts(created), status="confirmed"),
                 due_at=due)


def _row_id(event: Event, recipient: str, channel: str, endpoint: str = "") -> str:
    digest = hashlib.sha256(f"{event.key}\x00{recipient}\x00{channel}\x00{endpoint}".encode()).hexdigest()
    return "ntf_" + digest[:32]


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")


class Outbox:
    """``enqueue`` with this server's channels (from the settings)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.webhook = settings.notify_webhook_url is not None
        self.push = settings.push_enabled

    @property
    def message_wake(self) -> str | None:
        """The topic a new message publishes after its commit: only when its notification is due at
        once (``NOTIFY_DELAY=0``); a delayed one is found by the dispatcher's next look."""
        return TOPIC if self.active and self.settings.notify_delay == 0 else None

    @property
    def active(self) -> bool:
        """Some channel is on (else enqueue writes nothing)."""
        return self.webhook or self.push

    def on_message(self, session: Session, therapist_name: str) -> Callable[[Connection, MessagePublic], None]:
        """The hook ``crud.chat.add_message`` calls inside its transaction once a message is stored."""
        def hook(conn: Connection, stored: MessagePublic) -> None:
            if self.active:
                name = crud.customer_name(conn, session.session_id)
                whatsapp = None
                if stored.sender_type == "therapist":  # to the customer: their number, if they asked for it
                    whatsapp = crud.consented_whatsapp(conn, session.therapist_id, session.customer_id)
                self.enqueue(conn, message_event(session, stored, customer_name=name, therapist_name=therapist_name,
                                                 customer_whatsapp=whatsapp))
        return hook

    def _words(self, event: Event, recipient: str, language: str) -> tuple[str, str]:
        booking = event.booking
        facts = Facts(customer=event.customer_name or "A customer", therapist=event.therapist_name,
                      text=event.text, starts_at=booking.starts_at if booking else None,
                      zone_label=booking.time_zone_label if booking else "",
                      minutes=booking.duration if booking else 0, reason=event.reason)
        return words_for(event.type, recipient, language, facts)

    def webhook_body(self, event: Event, recipient: str, row_id: str, language: str) -> dict:
        _, body = self._words(event, recipient, language)
        who: dict[str, object] = {"type": recipient,
                                  "id": event.therapist_id if recipient == "therapist" else event.customer_id,
                                  "name": event.therapist_name if recipient == "therapist" else event.customer_name,
                                  "language": language}
        booking = event.booking
        whatsapp = booking.customer_whatsapp if booking is not None else event.customer_whatsapp
        if recipient == "customer" and whatsapp:
            who["whatsapp"] = whatsapp  # the customer ticked "Send me updates on WhatsApp"
        return {"id": row_id, "type": event.type, "occurred_at": _iso(event.occurred_at),
                "therapist_id": event.therapist_id, "session_id": event.session_id,
                "booking": None if booking is None else {
                    "reference": booking.id, "status": booking.status,
                    "time": booking.starts_at.isoformat() if booking.starts_at else None},
                "text": body, "recipient": who}

    def push_payload(self, event: Event, recipient: str, row_id: str, language: str) -> dict:
        title, body = self._words(event, recipient, language)
        url = (f"/inbox.html?session={event.session_id}" if recipient == "therapist"
               else f"/index.html?therapist={event.therapist_id}")
        tag = f"booking:{event.booking.id}" if event.booking else f"conversation:{event.session_id}"
        return {"id": row_id, "title": title, "body": body, "url": url, "tag": tag}

    def rows_for(self, conn: Connection, event: Event) -> list[crud.NewNotification]:
        now = now_ms()
        due = event.due_at if event.due_at is not None else now
        if event.seq is not None and event.due_at is None:
            due = now + int(self.settings.notify_delay * 1000)
        booking_id = event.booking.id if event.booking else None
        rows = []
        for recipient in event.recipients:
            owner = event.therapist_id if recipient == "therapist" else event.customer_id
            subscriptions = crud.subscriptions_of(conn, recipient, owner) if self.push else []
            common = dict(event_key=event.key, type=event.type, recipient=recipient,
                          therapist_id=event.therapist_id, customer_id=event.customer_id,
                          session_id=event.session_id, booking_id=booking_id, seq=event.seq, due_at=due,
                          created_at=now)
            if self.webhook:
                language = event.language.get(recipient) or (subscriptions[0].language if subscriptions else "en")
                row_id = _row_id(event, recipient, "webhook")
                body = self.webhook_body(event, recipient, row_id, language_of(language))
                rows.append(crud.NewNotification(id=row_id, channel="webhook", endpoint=None,
                                                 payload=json.dumps(body, ensure_ascii=False), **common))
            for sub in subscriptions:
                row_id = _row_id(event, recipient, "push", sub.endpoint)
                payload = self.push_payload(event, recipient, row_id, sub.language)
                rows.append(crud.NewNotification(id=row_id, channel="push", endpoint=sub.endpoint,
                                                 payload=json.dumps(payload, ensure_ascii=False), **common))
        return rows

    def on_booking(self, conn: Connection, created: BookingCreated) -> None:
        """The hook ``services.bookings.create_booking`` calls in the booking's transaction."""
        self.enqueue(conn, booking_requested_event(created))

    def enqueue(self, conn: Connection, event: Event | None) -> int:
        """Inside the event's transaction: write its notifications; how many rows were new."""
        if event is None or not self.active:
            return 0
        return crud.insert_notifications(conn, self.rows_for(conn, event))

    def drop_reminder(self, conn: Connection, booking_id: str) -> int:
        """The booking was cancelled (or otherwise left ``confirmed``): its pending reminder is no news."""
        return crud.drop_pending(conn, booking_id, "reminder", "the booking is no longer confirmed", now_ms())
