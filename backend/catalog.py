"""The therapist catalog the page shows (``static/data/therapists.json``), as the server checks it.

The page and the server read the same file, so the price a customer sees is the only price
the server accepts: a booking for an unknown therapist, or at any other price, is refused.

Example::

    catalog = Catalog.load(Path("static/data/therapists.json"))
    catalog.check(booking)        # raises InvalidRequest(therapist_id / duration / price)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from app.models import BookingRequest
from backend.errors import FieldError, InvalidRequest


@dataclass(frozen=True)
class Therapist:
    id: str
    name: str
    prices: dict[int, int]  # duration in minutes → price in the catalog's currency


@dataclass(frozen=True)
class Catalog:
    currency: str
    therapists: dict[str, Therapist]

    @classmethod
    def load(cls, path: Path) -> Catalog:
        data = json.loads(path.read_text(encoding="utf-8"))
        therapists = {
            str(t["id"]): Therapist(id=str(t["id"]), name=str(t.get("name", "")),
                                    prices={int(d): int(p) for d, p in t["prices"].items()})
            for t in data["therapists"]
        }
        if not therapists:
            raise ValueError(f"{path}: the catalog lists no therapists")
        return cls(currency=str(data.get("currency", "")), therapists=therapists)

    def check(self, booking: BookingRequest) -> None:
        """Raise InvalidRequest unless the therapist exists and the price is the catalog's."""
        therapist = self.therapists.get(booking.therapist_id)
        if therapist is None:
            raise InvalidRequest([FieldError(
                field="therapist_id", type="unknown_therapist",
                message="This therapist is not available; please choose one from the list.")])
        expected = therapist.prices.get(booking.duration)
        if expected is None:
            raise InvalidRequest([FieldError(
                field="duration", type="duration_not_offered",
                message=f"{therapist.name} does not offer {booking.duration}-minute sessions.")])
        if booking.price != expected:
            raise InvalidRequest([FieldError(
                field="price", type="price_mismatch",
                message=f"The price for {booking.duration} minutes with {therapist.name} "
                        f"is {self.currency} {expected:,}.".replace("  ", " "))])
