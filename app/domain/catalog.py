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

from pydantic import BaseModel, Field

from app.domain.i18n import Price
from app.domain.models import DURATIONS, NAME_MAX


class Therapist(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=NAME_MAX)
    initials: str = Field(default="", max_length=3)
    specialty: str = ""
    city: str = ""
    prices: dict[int, int]

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
