"""What "Your booking" says, and a booking event's line in the chat, from core state.

Exactly one status shows: ``Waiting for <name> to accept``, ``Booking confirmed``, ``Declined``,
``Expired``, ``Cancelled`` or ``Completed``; the detail line says why (the therapist's reason, who
cancelled) and the buttons follow the lifecycle (``Cancel this booking`` only while the customer may).

Example::

    panel = booking_panel(created, "Ayu Lestari", "IDR 475,000", zones, can_cancel=True)
    panel.status     # "Waiting for Ayu Lestari to accept"
    event_line({"status": "confirmed", ...}, zones, fallback="...")   # "Ayu Lestari confirmed your booking for ..."
"""

from __future__ import annotations

from dataclasses import dataclass

import pydantic

from app.domain import words
from app.domain.i18n import Text, join
from app.domain.models import BookingCreated, BookingEvent
from app.domain.ports import TimeZones
from app.domain.times import booking_when
from app.outbox.cancels import CancelPending
from app.outbox.messages import SendState


@dataclass(frozen=True)
class BookingPanel:
    when: str
    summary: str  # "90 min · IDR 475,000"
    status: str
    status_kind: str  # the status itself (for the look): requested, confirmed, declined, ...
    detail: str  # the reason, who cancelled, what to do next ("" when nothing)
    can_cancel: bool
    pick_again: bool  # declined or expired: "Pick another time"
    cancel_state: str  # "Sending…", "Waiting for network", "Not sent: ..." ("" when none)


def _detail(created: BookingCreated, therapist_name: str) -> str:
    status, reason = created.status, created.status_reason
    parts: list[str] = []
    if status == "cancelled":
        by = created.status_changed_by
        parts.append(words.CANCELLED_BY_YOU if by == "customer" else
                     words.cancelled_by(therapist_name) if by == "therapist" else words.CANCELLED_BY_SYSTEM)
    if status == "expired":
        parts.append(words.EXPIRED_DETAIL)
    if reason and status in ("declined", "cancelled"):
        parts.append(words.reason_is(reason))
    if not parts:
        return ""
    return join(" ", parts) if len(parts) > 1 else parts[0]


def status_title(status: str, therapist_name: str) -> str:
    return words.waiting_for(therapist_name) if status == "requested" else words.STATUS_TITLES[status]


def booking_panel(created: BookingCreated, therapist_name: str, price: str, zones: TimeZones, *,
                  can_cancel: bool, pending: CancelPending | None = None, note: str = "") -> BookingPanel:
    label = created.time_zone_label or "WITA"
    when = booking_when(created.starts_at, label, zones)
    summary = Text("{duration} · {price}", duration=words.duration_minutes(created.booking.duration), price=price)
    cancel_state = note
    if pending is not None:
        cancel_state = {SendState.WAITING: words.MESSAGE_WAITING,
                        SendState.UNAVAILABLE: words.MESSAGE_UNAVAILABLE}.get(pending.state, words.MESSAGE_SENDING)
    return BookingPanel(when=when, summary=summary, status=status_title(created.status, therapist_name),
                        status_kind=created.status, detail=_detail(created, therapist_name),
                        can_cancel=can_cancel, pick_again=created.status in ("declined", "expired"),
                        cancel_state=cancel_state)


def event_line(event: dict | None, zones: TimeZones, fallback: str) -> str:
    """A system message in the reader's language, from its event; ``fallback`` (the server's English
    sentence) when there is no event we know."""
    try:
        parsed = BookingEvent.model_validate(event or {})
    except pydantic.ValidationError:
        return fallback
    when = booking_when(parsed.starts_at, parsed.time_zone_label or "WITA", zones)
    line = words.event_line(parsed.status, parsed.by, parsed.therapist_name or words.THERAPIST_FALLBACK, when)
    if parsed.reason and parsed.status in ("declined", "cancelled"):
        return Text("{line}. {reason}", line=line, reason=words.reason_is(parsed.reason))
    return line
