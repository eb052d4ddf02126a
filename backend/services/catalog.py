"""The therapist catalog the page shows (``static/data/therapists.json``), as the server checks it.

The page and the server read the same file with the same parser (``app.domain.catalog``), so
the price a customer sees is the only price the server accepts: a booking for an unknown
therapist, or at any other price, is refused.

Example::

    catalog = Catalog.load(Path("static/data/therapists.json"))
    booking = catalog.with_therapist_name(booking)   # the catalog's name; 422 on a different one
    catalog.check(booking)        # raises InvalidRequest(therapist_id / duration / price)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.domain.catalog import Catalog as SharedCatalog
from app.domain.catalog import Therapist
from app.domain.models import BookingRequest
from backend.core.errors import FieldError, InvalidRequest

__all__ = ["Catalog", "Therapist"]


@dataclass(frozen=True)
class Catalog:
    currency: str
    therapists: dict[str, Therapist]  # by id; ``prices`` maps minutes to the catalog's currency

    @classmethod
    def load(cls, path: Path) -> Catalog:
        """Parse the file the page reads, with the page's parser (every duration must be priced)."""
        shared = SharedCatalog.from_json(path.read_text(encoding="utf-8"))
        return cls(currency=shared.currency, therapists={t.id: t for t in shared.therapists})

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

    def with_therapist_name(self, booking: BookingRequest) -> BookingRequest:
        """The catalog names the therapist: an empty ``therapist_name`` gets the catalog's, any other
        name than the catalog's is refused (422), so no booking stores a name the customer never saw."""
        therapist = self.therapists.get(booking.therapist_id)
        if therapist is None:
            self.check(booking)  # the unknown-therapist 422
            raise AssertionError("unreachable")
        if booking.therapist_name == "":
            return booking.model_copy(update={"therapist_name": therapist.name})
        if booking.therapist_name != therapist.name:
            raise InvalidRequest([FieldError(
                field="therapist_name", type="therapist_name_mismatch",
                message=f"must be the catalog's name for {booking.therapist_id}: {therapist.name}")])
        return booking
