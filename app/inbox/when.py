"""A booking's time as the therapist reads it: in the therapist's zone, with its label.

The server sends ``starts_at`` with the therapist's own offset (``2026-12-09T15:00:00+08:00``), so
the wall-clock time and the day are read from it as they are, never from the browser's zone: a
therapist in Bali looking at the inbox from a laptop set to Berlin still sees 15:00 WITA. A
booking without a time (stored before times existed) is ``Time to be agreed``.

Example::

    when(datetime.fromisoformat("2026-12-09T15:00:00+08:00"), "WITA")   # "Wed 9 Dec, 15:00 WITA"
    day_heading(date(2026, 12, 9))                                      # "Wed 9 Dec"
    event_text({"kind": "booking", "status": "confirmed", "by": "therapist", ...})
"""

from __future__ import annotations

from datetime import date, datetime

import pydantic

from app.domain import times, words
from app.domain.i18n import Foreign
from app.domain.models import BookingEvent


def day_heading(day: date) -> str:
    return times.day_label(day)


def when(starts_at: datetime | None, zone_label: str) -> str:
    """"Wed 9 Dec, 15:00 WITA"; ``words.TIME_TO_BE_AGREED`` without a time."""
    if starts_at is None:
        return words.TIME_TO_BE_AGREED
    return words.booking_when(day_heading(starts_at.date()), times.wall_time(starts_at), zone_label)


def event_text(event: dict | None, fallback: str) -> str:
    """A system message in the reader's language, from its ``event``; without one (or one this page
    does not know) ``fallback``, the server's English ``message``, which a reader of another language
    reads as ``words.BOOKING_UPDATE``."""
    english = Foreign(fallback, words.BOOKING_UPDATE)  # the server's sentence is English: ours elsewhere
    if not event:
        return english
    try:
        parsed = BookingEvent.model_validate(event)
    except pydantic.ValidationError:
        return english
    customer = parsed.customer_name or words.NEW_CUSTOMER
    said = words.booking_event(parsed.status, parsed.by, customer=customer,
                               when=when(parsed.starts_at, parsed.time_zone_label), reason=parsed.reason)
    return said or english
