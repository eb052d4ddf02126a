"""Free start times: when a therapist can begin a session, on their own wall clock. Pure: no database.

A start is free when

- the whole session lies inside one of that day's working ranges (``Therapist.hours``),
- it is on the 30-minute grid of the therapist's wall clock (``15:00``, ``15:30``),
- it is at least ``lead_minutes`` from now, on a day from today to today + ``days_ahead``
  (both in the therapist's zone),
- its hold (the session plus ``buffer_minutes`` after it) overlaps no hold of a ``requested`` or
  ``confirmed`` booking of that therapist (``Holds``).

Instants are epoch milliseconds (UTC) inside, as the database stores them; what this module
gives back are aware datetimes in the therapist's zone (``zoneinfo``, the system's tz database),
so ``isoformat()`` says ``2026-12-09T15:00:00+08:00``. On a day a clock jumps forward the missing
wall times are never offered; on a day it falls back the repeated hour is offered once (the first).

Example::

    holds = Holds([(start_ms, end_ms), ...])
    free_starts(ayu, date(2026, 12, 9), 60, now_ms=now, holds=holds)    # [datetime(... 09:00 +08:00), ...]
    first_free(ayu, 60, now_ms=now, holds=holds)                         # the earliest, or None
    start_problem(ayu, starts_at, 60, now_ms=now)                        # None, or why not (a 422)
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from app.domain.catalog import Therapist

GRID_MINUTES = 30
MINUTE_MS = 60_000
DAY_MS = 24 * 60 * MINUTE_MS


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def local(moment_ms: int, time_zone: str) -> datetime:
    """An instant as an aware datetime on the wall clock of ``time_zone``."""
    return datetime.fromtimestamp(moment_ms / 1000, tz=zone(time_zone))


def today(therapist: Therapist, now_ms: int) -> date:
    return local(now_ms, therapist.time_zone).date()


def last_day(therapist: Therapist, now_ms: int) -> date:
    return today(therapist, now_ms) + timedelta(days=therapist.days_ahead)


class Holds:
    """The held ranges ``[start, end)`` of one therapist (ms), for overlap checks in O(log n).

    Ranges that overlap or touch are merged into blocks first: a therapist booked back to back for
    a month is one block, which ``blocked_until`` jumps over at once.
    """

    def __init__(self, ranges: Iterable[tuple[int, int]] = ()) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        for start, end in sorted(ranges):
            if self._ends and start <= self._ends[-1]:
                self._ends[-1] = max(self._ends[-1], end)
            else:
                self._starts.append(start)
                self._ends.append(end)

    def __len__(self) -> int:
        return len(self._starts)

    def overlaps(self, start: int, end: int) -> bool:
        return self.blocked_until(start, end) is not None

    def blocked_until(self, start: int, end: int) -> int | None:
        """None when ``[start, end)`` is free; else the end of the block in the way: every range
        starting after ``start`` but before that end is blocked too."""
        before = bisect.bisect_left(self._starts, end)  # blocks that start before this range ends
        if before > 0 and self._ends[before - 1] > start:
            return self._ends[before - 1]
        return None


def _wall(day: date, minute: int, tz: ZoneInfo) -> datetime | None:
    """``day`` at ``minute`` past midnight on the wall clock; None when the clock skips that time."""
    moment = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(minutes=minute)
    back = moment.astimezone(UTC).astimezone(tz)
    return moment if back.replace(tzinfo=None) == moment.replace(tzinfo=None) else None


def _range_end(day: date, minute: int, tz: ZoneInfo) -> int:
    moment = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(minutes=minute)
    return to_ms(moment)


def candidates(therapist: Therapist, day: date, duration: int) -> Iterator[datetime]:
    """Every start on the grid whose whole session lies inside one of ``day``'s working ranges,
    ignoring lead time and bookings; in order."""
    tz = zone(therapist.time_zone)
    for first, last in therapist.working_ranges(day.weekday()):
        end_ms = _range_end(day, last, tz)
        minute = -(-first // GRID_MINUTES) * GRID_MINUTES  # the first grid time in the range
        while minute < last:
            start = _wall(day, minute, tz)
            if start is not None:
                start_ms = to_ms(start)
                if start_ms + duration * MINUTE_MS > end_ms:
                    break
                yield start
            minute += GRID_MINUTES


def hold_of(therapist: Therapist, start_ms: int, duration: int) -> tuple[int, int]:
    """What a session holds: its time plus the therapist's buffer (travel) after it."""
    return start_ms, start_ms + (duration + therapist.buffer_minutes) * MINUTE_MS


def _free(therapist: Therapist, starts: Iterable[datetime], duration: int, now_ms: int,
          holds: Holds) -> Iterator[datetime]:
    earliest = now_ms + therapist.lead_minutes * MINUTE_MS
    for start in starts:
        start_ms = to_ms(start)
        if start_ms >= earliest and not holds.overlaps(*hold_of(therapist, start_ms, duration)):
            yield start


def free_starts(therapist: Therapist, day: date, duration: int, *, now_ms: int, holds: Holds) -> list[datetime]:
    """The free starts of ``day`` (the therapist's date), in order; [] outside today..days_ahead."""
    if not today(therapist, now_ms) <= day <= last_day(therapist, now_ms):
        return []
    return list(_free(therapist, candidates(therapist, day, duration), duration, now_ms, holds))


def first_free(therapist: Therapist, duration: int, *, now_ms: int, holds: Holds) -> datetime | None:
    """The earliest free start from now ("As soon as possible"), or None in the next days_ahead days.

    A blocked start moves the search past what blocks it (whole booked days are skipped, not walked),
    so a therapist booked solid for months costs a few steps, not a candidate per half hour.
    """
    day, last = today(therapist, now_ms), last_day(therapist, now_ms)
    earliest = now_ms + therapist.lead_minutes * MINUTE_MS
    while day <= last:
        for start in candidates(therapist, day, duration):
            start_ms = to_ms(start)
            if start_ms < earliest:
                continue
            blocked = holds.blocked_until(*hold_of(therapist, start_ms, duration))
            if blocked is None:
                return start
            earliest = blocked
        day = max(day + timedelta(days=1), local(earliest, therapist.time_zone).date())
    return None


def search_window(therapist: Therapist, now_ms: int) -> tuple[int, int]:
    """The instants any free start of the next days_ahead days (and its hold) can touch."""
    end = to_ms(datetime.combine(last_day(therapist, now_ms) + timedelta(days=2), datetime.min.time(),
                                 tzinfo=zone(therapist.time_zone)))
    return now_ms, end


def day_window(therapist: Therapist, day: date) -> tuple[int, int]:
    """The instants the starts of ``day`` (and their holds) can touch, with a day's margin."""
    tz = zone(therapist.time_zone)
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    return to_ms(start) - DAY_MS, to_ms(start) + 3 * DAY_MS


def start_problem(therapist: Therapist, starts_at: datetime, duration: int, *, now_ms: int) -> str | None:
    """Why ``starts_at`` can never be booked (a 422 on ``starts_at``), or None. Bookings are not
    looked at: a start that is merely taken is a 409, decided with the database."""
    wall = starts_at.astimezone(zone(therapist.time_zone))
    start_ms = to_ms(starts_at)
    if wall.second or wall.microsecond or wall.minute % GRID_MINUTES:
        return (f"must be on the hour or half hour in the therapist's time zone ({therapist.time_zone_label}),"
                " like 15:00 or 15:30")
    if start_ms < now_ms:
        return "is in the past; choose one of the free start times"
    if start_ms < now_ms + therapist.lead_minutes * MINUTE_MS:
        return f"must be at least {therapist.lead_minutes} minutes from now"
    if wall.date() > last_day(therapist, now_ms):
        return f"is more than {therapist.days_ahead} days ahead"
    if all(to_ms(start) != start_ms for start in candidates(therapist, wall.date(), duration)):
        return f"is outside {therapist.name}'s working hours for a {duration}-minute session"
    return None
