"""A booking's time as the customer reads it: the therapist's zone first, their own next to it.

Every time is said in the therapist's zone with its label (``15:00 WITA``); when the customer's
browser is in another zone at that instant, their own clock's time follows ("02:00 your time").
The zone offsets come from the ``TimeZones`` port (the browser's ``Date``/``Intl``: Pyodide has no
tz database); the starts themselves carry the therapist's offset, as the API sends them.

Example::

    start = parse_start("2026-12-09T15:00:00+08:00")
    slot_label(start, "WITA", zones)      # "15:00 WITA (02:00 your time)" for a browser in New York
    booking_when(start, "WITA", zones)    # "Wed 9 Dec, 15:00 WITA (02:00 your time)"
    date_choices(now_ms, "Asia/Makassar", 2, zones)
    # [("2026-12-09", "Today, Wed 9 Dec"), ("2026-12-10", "Tomorrow, Thu 10 Dec"), ("2026-12-11", "Fri 11 Dec")]
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from app.domain import words
from app.domain.i18n import Text, language
from app.domain.ports import TimeZones


class WallTime(Text):
    """A clock time: ``15:00`` in English, ``15.00`` when said in Indonesian (as Intl's id-ID writes it)."""

    def __new__(cls, hour: int, minute: int) -> WallTime:
        self = super().__new__(cls, "{time}", time=f"{hour:02d}:{minute:02d}")
        self.hour, self.minute = hour, minute
        return self

    def said(self) -> str:
        separator = "." if language() == "id" else ":"
        return f"{self.hour:02d}{separator}{self.minute:02d}"


def parse_start(value: object) -> datetime | None:
    """An ISO 8601 time with its offset (``2026-12-09T15:00:00+08:00``), or None (empty, unreadable, naive)."""
    if isinstance(value, datetime):
        return value if value.utcoffset() is not None else None
    if not isinstance(value, str) or not value:
        return None
    try:
        start = datetime.fromisoformat(value)
    except ValueError:
        return None
    return start if start.utcoffset() is not None else None


def parse_day(value: str) -> date | None:
    """``2026-12-09`` → that date; None when it is not one."""
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def day_text(value: str) -> str:
    """``2026-12-09`` → ``Wed 9 Dec`` (the value itself when it is not a date)."""
    day = parse_day(value)
    return day_label(day) if day is not None else value


def epoch_ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def in_zone(moment: datetime, zones: TimeZones, zone: str | None = None) -> datetime:
    """``moment`` on the clock of ``zone`` (None: the customer's own), as the browser counts it."""
    offset = zones.offset_minutes(epoch_ms(moment), zone)
    return moment.astimezone(timezone(timedelta(minutes=offset)))


def local_differs(moment: datetime, zones: TimeZones) -> bool:
    """True when the customer's clock shows another time than the therapist's at that instant."""
    return zones.offset_minutes(epoch_ms(moment)) * 60 != moment.utcoffset().total_seconds()


def wall_time(moment: datetime) -> WallTime:
    return WallTime(moment.hour, moment.minute)


def day_label(day: date) -> Text:
    """``Wed 9 Dec`` (Indonesian: ``Rab 9 Des``)."""
    return Text("{weekday} {day} {month}", weekday=words.WEEKDAYS[day.weekday()], day=day.day,
                month=words.MONTHS[day.month - 1])


def slot_label(start: datetime, zone_label: str, zones: TimeZones) -> Text:
    """A start in a list of one day's times: ``15:00 WITA``, plus ``(02:00 your time)`` when it differs."""
    there = Text("{time} {zone}", time=wall_time(start), zone=zone_label)
    if not local_differs(start, zones):
        return there
    local = in_zone(start, zones)
    if local.date() != start.date():
        mine = words.your_time(Text("{day}, {time}", day=day_label(local.date()), time=wall_time(local)))
    else:
        mine = words.your_time(wall_time(local))
    return Text("{there} ({mine})", there=there, mine=mine)


def booking_when(start: datetime | None, zone_label: str, zones: TimeZones) -> Text:
    """A booking's time with its day: ``Wed 9 Dec, 15:00 WITA (02:00 your time)``; no time: "Time to be agreed"."""
    if start is None:
        return words.TIME_TO_BE_AGREED
    return Text("{day}, {time}", day=day_label(start.date()), time=slot_label(start, zone_label, zones))


def asap_label(start: datetime | None, zone_label: str, zones: TimeZones) -> Text:
    """Next to "As soon as possible": ``about 16:30 WITA``, or that nothing is free soon."""
    if start is None:
        return words.ASAP_NONE
    return words.about(slot_label(start, zone_label, zones))


def today_in(now_ms: int, zone: str, zones: TimeZones) -> date | None:
    """The date it is now in ``zone`` (the therapist's); None for a clock no calendar can hold."""
    try:
        moment = datetime.fromtimestamp(now_ms / 1000, timezone.utc)
        return in_zone(moment, zones, zone).date()
    except (ValueError, OverflowError, OSError):
        # A page clock far outside years 1-9999 (a test's fake timers): no dates rather than a crash.
        return None


def date_choices(now_ms: int, zone: str, days_ahead: int, zones: TimeZones) -> list[tuple[str, Text]]:
    """The ``Date`` choices: today and the next ``days_ahead`` days in the therapist's zone."""
    today = today_in(now_ms, zone, zones)
    if today is None:
        return []
    choices = []
    for n in range(days_ahead + 1):
        day = today + timedelta(days=n)
        label = day_label(day)
        if n == 0:
            label = Text("{when}, {day}", when=words.TODAY, day=label)
        elif n == 1:
            label = Text("{when}, {day}", when=words.TOMORROW, day=label)
        choices.append((day.isoformat(), label))
    return choices
