"""``/api/therapists``: what anyone may ask about a therapist of the catalog (no token).

    GET /api/therapists/{therapist_id}/slots?date=YYYY-MM-DD&duration=60
        → {"time_zone": "Asia/Makassar", "time_zone_label": "WITA", "date": "2026-12-09",
           "slots": ["2026-12-09T15:00:00+08:00", ...], "asap": "<the first free start from now> | null"}

``date`` is the therapist's own date; ``slots`` are the free starts of that day for a session of
``duration`` minutes (``backend.services.slots``: working hours, the 30-minute grid, lead time,
``days_ahead``, and the holds of requested and confirmed bookings with their buffers), in the
therapist's zone with its offset. A day before today or after ``days_ahead`` has none. An unknown
therapist is a 404.

Example::

    curl "localhost:8000/api/therapists/t-ayu/slots?date=2026-12-09&duration=90"
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from app.domain.models import DURATIONS
from backend.api.openapi import INVALID, TOO_MANY
from backend.api.deps import CatalogDep, Conn, IsoDate
from backend.core.errors import ApiError, ErrorBody, FieldError, InvalidRequest
from backend.services import bookings as booking_service

router = APIRouter(prefix="/api/therapists", tags=["therapists"])


class Slots(BaseModel):
    time_zone: str = Field(description="The therapist's IANA zone")
    time_zone_label: str = Field(description="Its short name, e.g. WITA")
    date: str = Field(description="The therapist's date these slots are on (YYYY-MM-DD)")
    slots: list[str] = Field(description="Free starts, ISO 8601 with the therapist's offset, in order")
    asap: str | None = Field(description="The earliest free start from now (any day), or null")


@router.get("/{therapist_id}/slots", response_model=Slots,
            responses={404: {"model": ErrorBody, "description": "No such therapist"}, **INVALID, **TOO_MANY},
            summary="Free start times of one day, and the earliest one (no token)")
def free_slots(therapist_id: str, catalog: CatalogDep, conn: Conn,
               date: Annotated[IsoDate, Query(description="YYYY-MM-DD, the therapist's date")],  # noqa: A002
               duration: Annotated[int, Query(ge=60, le=120, description="Minutes: 60, 90 or 120")] = 60
               ) -> Slots:
    if duration not in DURATIONS:
        raise InvalidRequest([FieldError(field="duration", type="literal_error",
                                         message="Input should be 60, 90 or 120")])
    therapist = catalog.therapists.get(therapist_id)
    if therapist is None:
        raise ApiError(404, "No such therapist.")
    starts, first = booking_service.free_slots(conn, therapist, date, duration)
    return Slots(time_zone=therapist.time_zone, time_zone_label=therapist.time_zone_label,
                 date=date.isoformat(), slots=[start.isoformat() for start in starts],
                 asap=first.isoformat() if first is not None else None)
