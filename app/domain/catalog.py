"""The therapist catalog (``static/data/therapists.json``): who can be booked, at what price.

The page and the backend read the same file, so the price the customer sees is
the price the server accepts.

Example::

    catalog = Catalog.from_json(text)
    therapist = catalog.find("t-ayu")          # None for an unknown id
    catalog.format_price(therapist.price_for(90))   # 'IDR 475,000'
"""

from __future__ import annotations

import json
import re

from pydantic import BaseModel, Field, field_validator

from app.domain.i18n import Price
from app.domain.models import DURATIONS, NAME_MAX


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
_RANGE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$")


def parse_range(text: str) -> tuple[int, int]:
    """'09:00-21:00' → (540, 1260): minutes from midnight, start < end ('24:00' ends the day)."""
    match = _RANGE.fullmatch(text)
    if match is None:
        raise ValueError(f"working hours {text!r} are not like '09:00-21:00'")
    start = int(match[1]) * 60 + int(match[2])
    end = int(match[3]) * 60 + int(match[4])
    if end > 24 * 60 or start >= end:
        raise ValueError(f"working hours {text!r} must start before they end, within one day")
    return start, end


class Therapist(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=NAME_MAX)
    initials: str = Field(default="", max_length=3)
    specialty: str = ""
    city: str = ""
    prices: dict[int, int]
    # Availability: times are the therapist's own, in this IANA zone (Bali: Asia/Makassar, "WITA").
    time_zone: str = Field(default="Asia/Makassar", min_length=1, max_length=64)
    time_zone_label: str = Field(default="WITA", min_length=1, max_length=8)
    # Weekly working hours: "mon".."sun" → ranges like "09:00-21:00"; a day that is absent is a day off.
    hours: dict[str, list[str]] = Field(default_factory=dict)
    buffer_minutes: int = Field(default=30, ge=0, le=24 * 60)  # travel time kept free between sessions
    lead_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60)  # the earliest start from now
    days_ahead: int = Field(default=14, ge=0, le=366)  # today and this many days after it

    @field_validator("hours")
    @classmethod
    def _known_days_and_ranges(cls, hours: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, ranges in hours.items():
            if day not in WEEKDAYS:
                raise ValueError(f"unknown day {day!r} in hours (use {', '.join(WEEKDAYS)})")
            parsed = sorted(parse_range(r) for r in ranges)
            for (_, end), (start, _) in zip(parsed, parsed[1:]):
                if start < end:
                    raise ValueError(f"working hours on {day} overlap")
        return hours

    def working_ranges(self, weekday: int) -> list[tuple[int, int]]:
        """The day's ranges in minutes from midnight, sorted; [] on a day off (0 = Monday)."""
        return sorted(parse_range(r) for r in self.hours.get(WEEKDAYS[weekday], []))

    def price_for(self, duration: int | None) -> int | None:
        return self.prices.get(duration) if duration is not None else None


class Catalog(BaseModel):
    schema_: int = Field(default=1, alias="schema")
    currency: str = "IDR"
    therapists: list[Therapist] = Field(min_length=1)

    @classmethod
    def from_json(cls, text: str) -> Catalog:
        catalog = cls.model_validate(json.loads(text))
        for therapist in catalog.therapists:
            missing = [d for d in DURATIONS if d not in therapist.prices]
            if missing:
                raise ValueError(f"therapist {therapist.id} has no price for {missing} min")
        return catalog

    def find(self, therapist_id: str | None) -> Therapist | None:
        """The therapist with this id; the first one when no id is given; None when unknown."""
        if not therapist_id:
            return self.therapists[0]
        return next((t for t in self.therapists if t.id == therapist_id), None)

    def format_price(self, amount: int | None) -> str:
        """``IDR 350,000``, which the page shows as ``Rp 350.000`` in Indonesian (``i18n.Price``)."""
        return Price(self.currency, amount)
