"""The free start times of one day: ``GET /api/therapists/{id}/slots?date=&duration=`` (no token).

A read beside the sends (like the prefill's ``bookings/last``): the answer is the therapist's free
starts for that day and duration, in the therapist's zone with its offset, plus the earliest free
start from now (``asap``). Offline or any failure is a ``SlotsUnavailable`` the page words; it never
changes what the customer chose.

Example::

    day = await fetch_slots(transport, "./api", "t-ayu", "2026-12-09", 90)
    day.starts[0].isoformat()      # "2026-12-09T15:00:00+08:00"
    day.label, day.asap            # "WITA", datetime(...) or None
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote, urlencode

from app.domain.errors import ChatBookingError
from app.domain.ports import Transport
from app.domain.times import parse_start
from app.outbox.sender import api_url


class SlotsUnavailable(Exception):
    """The times could not be read; ``offline`` when no server answered at all."""

    def __init__(self, offline: bool, detail: str = "") -> None:
        super().__init__(detail or ("offline" if offline else "no answer"))
        self.offline = offline


@dataclass(frozen=True)
class DaySlots:
    date: str
    time_zone: str
    label: str
    starts: list[datetime] = field(default_factory=list)
    asap: datetime | None = None


async def fetch_slots(transport: Transport, api_base: str, therapist_id: str, date: str,
                      duration: int) -> DaySlots:
    url = (api_url(api_base, f"therapists/{quote(therapist_id, safe='')}/slots") + "?"
           + urlencode({"date": date, "duration": duration}))
    try:
        response = await transport.request("GET", url, headers={"Accept": "application/json"})
    except ChatBookingError as error:
        raise SlotsUnavailable(True, str(error)) from error
    if response.status != 200:
        raise SlotsUnavailable(False, f"server answered {response.status}")
    try:
        data = json.loads(response.text)
        starts = [start for start in (parse_start(value) for value in data.get("slots") or []) if start is not None]
        return DaySlots(date=str(data.get("date") or date), time_zone=str(data.get("time_zone") or ""),
                        label=str(data.get("time_zone_label") or ""), starts=starts,
                        asap=parse_start(data.get("asap")))
    except (ValueError, AttributeError, TypeError) as error:
        raise SlotsUnavailable(False, f"unreadable answer ({error})") from error
