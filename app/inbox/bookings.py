"""The therapist's bookings as the inbox shows them: one conversation's, and every upcoming one by day.

``booking_row`` is one booking of the open conversation: its time in the therapist's zone, duration,
address (where the therapist goes), status, and the buttons the lifecycle allows the therapist *now*
(``app.domain.lifecycle.allowed_actions``), none while an answer is already on its way.

``UpcomingBookings`` keeps the answer of ``GET /api/therapist/bookings?from=<now>&status=confirmed``
and groups it by day in the therapist's zone (``days()``), earliest first. ``refresh()`` may be
called as often as anything changes: a call while one is under way makes one more afterwards, never
two at once.

Example::

    row = booking_row(created, now_ms, actions.status_for(created.id))
    row.actions                        # ("accept", "decline") for a request
    upcoming = UpcomingBookings(api, clock)
    await upcoming.refresh()
    upcoming.days()                    # [("Wed 9 Dec", [UpcomingRow(...), ...]), ...]
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from pydantic import ValidationError

from app.domain import times, words
from app.domain.errors import NetworkError, ServiceError
from app.domain.lifecycle import allowed_actions
from app.domain.models import BookingCreated, BookingRequest
from app.domain.observable import Observable
from app.domain.ports import Clock
from app.inbox.actions import ActionStatus
from app.inbox.api import InboxApi
from app.inbox.when import day_heading, when

THERAPIST_ACTIONS = ("accept", "decline", "cancel", "complete")  # the order of the buttons


@dataclass(frozen=True)
class BookingRow:
    """One booking of the open conversation."""

    id: str
    when: str
    duration: str
    address: str
    status: str
    reason: str = ""  # why it was declined or cancelled (what the other side wrote)
    actions: tuple[str, ...] = ()  # buttons to offer now, in THERAPIST_ACTIONS order
    sending: ActionStatus | None = None  # an answer on its way, or one the server refused


def _status_words(created: BookingCreated) -> str:
    if created.status == "cancelled" and created.status_changed_by:
        return words.CANCELLED_BY[created.status_changed_by]
    return words.BOOKING_STATUS.get(created.status, created.status)


def booking_row(created: BookingCreated, now_ms: int, sending: ActionStatus | None = None) -> BookingRow:
    now = datetime.fromtimestamp(now_ms / 1000, timezone.utc)
    allowed = allowed_actions(created.status, "therapist", now=now, starts_at=created.starts_at)
    offered = () if sending is not None and sending.pending else tuple(a for a in THERAPIST_ACTIONS if a in allowed)
    return BookingRow(created.id, when(created.starts_at, created.time_zone_label),
                      words.minutes(created.booking.duration), getattr(created.booking, "address", ""),
                      _status_words(created),
                      words.known_reason(created.status_reason), offered, sending)


@dataclass(frozen=True)
class UpcomingRow:
    id: str
    customer: str
    time: str  # "15:00 WITA" (the day is the group's heading)
    duration: str
    address: str
    session_id: str = ""


def read_booking(item: Any) -> BookingCreated | None:
    """One booking of the server's answer; None when it cannot be read.

    A booking stored before times and addresses existed has neither (the server says "confirmed",
    no ``starts_at``): its details are taken as they are rather than hidden from the therapist.
    """
    try:
        return BookingCreated.model_validate(item)
    except ValidationError:
        pass
    if not isinstance(item, dict) or not isinstance(item.get("booking"), dict):
        return None
    try:
        # The booking's own rules (a time or "as soon as possible", an address) came later than it:
        # the rest is checked, the booking's details are kept as the server has them.
        checked = BookingCreated.model_validate({**item, "booking": _CHECKED_ELSEWHERE})
    except ValidationError:
        return None
    return checked.model_copy(update={"booking": BookingRequest.model_construct(**item["booking"])})


_CHECKED_ELSEWHERE = {"therapist_id": "t", "customer_id": "c", "customer_name": "--", "customer_whatsapp": "+6281234567890",
                      "duration": 60, "price": 1, "location_type": "home", "massage_for": "myself",
                      "address": "-", "asap": True}


def read_bookings(data: Any) -> list[BookingCreated]:
    """``{"bookings": [...]}`` (or the list itself); one unreadable booking does not hide the others."""
    items = data.get("bookings") if isinstance(data, dict) else data
    found = [read_booking(item) for item in (items if isinstance(items, list) else [])]
    return [booking for booking in found if booking is not None]


class UpcomingBookings(Observable):
    def __init__(self, api: InboxApi, clock: Clock) -> None:
        self.api, self.clock = api, clock
        self.items: list[BookingCreated] = []
        self.loaded = False  # an answer came on this visit
        self.failed = False  # the last attempt got no answer (the page says it shows the last list)
        self._running = False
        self._again = False

    async def refresh(self) -> None:
        if self._running:
            self._again = True  # something changed while asking: ask once more afterwards
            return
        self._running = True
        try:
            while True:
                self._again = False
                await self._fetch()
                if not self._again:
                    break
        finally:
            self._running = False

    async def _fetch(self) -> None:
        start = datetime.fromtimestamp(self.clock.now_ms() / 1000, timezone.utc).isoformat(timespec="seconds")
        try:
            data = await self.api.get(f"therapist/bookings?from={start.replace('+', '%2B')}&status=confirmed")
        except (NetworkError, ServiceError):
            self.failed = True
            self.notify()
            return
        self.items = [b for b in read_bookings(data) if b.status == "confirmed"]
        self.loaded, self.failed = True, False
        self.notify()

    def clear(self) -> None:
        self.items, self.loaded, self.failed = [], False, False
        self.notify()

    def days(self) -> list[tuple[str, list[UpcomingRow]]]:
        """The bookings by start, grouped by the therapist's day; bookings without a time last."""
        timed = sorted((b for b in self.items if b.starts_at is not None), key=lambda b: b.starts_at)
        groups: list[tuple[str, list[UpcomingRow]]] = []
        current = None
        for created in timed:
            day = created.starts_at.date()  # in the therapist's zone: the offset the server gave
            if day != current:
                current = day
                groups.append((day_heading(day), []))
            time = times.wall_time(created.starts_at)
            groups[-1][1].append(self._row(created, words.zoned_time(time, created.time_zone_label)))
        untimed = [self._row(b, words.TIME_TO_BE_AGREED) for b in self.items if b.starts_at is None]
        if untimed:
            groups.append((words.TIME_TO_BE_AGREED, untimed))
        return groups

    @staticmethod
    def _row(created: BookingCreated, time: str) -> UpcomingRow:
        booking = created.booking
        return UpcomingRow(created.id, booking.customer_name, time, words.minutes(booking.duration),
                           getattr(booking, "address", ""))  # a booking from before addresses has none
