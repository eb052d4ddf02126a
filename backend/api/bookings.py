"""``/api/bookings``: create a booking exactly once, read it back, prefill from the last one.

    POST /api/bookings                      Idempotency-Key + BookingRequest → 201 BookingCreated
                                            (customer bearer token required: it must own, or now
                                            claims, customer_id; a new booking starts/updates its
                                            conversation)
    GET  /api/bookings/last?customer_id=…   → LastBooking; the token must own customer_id; 404 when
                                            the customer has none
    GET  /api/bookings/{id}                 → BookingCreated, only to the token owning its customer;
                                            404 when unknown *or* another customer's
    GET  /api/bookings?limit=…              → newest first; admin bearer token only

``therapist_name`` is the catalog's: a booking naming the therapist otherwise is refused (422),
an empty one is filled in with the catalog's name.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from app.domain.models import BookingCreated, BookingRequest, LastBooking
from backend.crud import bookings as crud
from backend.crud import customers
from backend.services import bookings as booking_service
from backend.services import idempotency
from backend.api.chat_common import TOO_MANY, therapist_topic
from backend.api.auth import BookingOwner, CustomerToken, CustomerWriteLimit, OwnedCustomerId
from backend.api.deps import (
    AdminAccess,
    BookingBody,
    CatalogDep,
    Conn,
    IdempotencyKey,
    LimitsDep,
    NotifierDep,
    OutboxDep,
)
from backend.services.notifications import TOPIC as NOTIFICATIONS_TOPIC
from backend.core.errors import ApiError, ErrorBody, ValidationErrorBody

router = APIRouter(prefix="/api/bookings", tags=["bookings"])

INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": ValidationErrorBody, "description": "Invalid input, with one entry per field"}}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "Not found"}}
UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No Authorization: Bearer header, or not a valid token"}}
FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorBody, "description": "The bearer token does not own this customer id"}}
CREATE_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Idempotency-Key missing, empty or too long"},
    **UNAUTHORIZED, **FORBIDDEN,
    413: {"model": ErrorBody, "description": "Body larger than 16 KB"},
    **INVALID, **TOO_MANY,
}
# The body is parsed by deps.get_booking_body (so that no bad input can become a 400 or 500),
# and the key by idempotency.read_key; describe both for /openapi.json here.
CREATE_OPENAPI = {
    "parameters": [idempotency.OPENAPI_PARAMETER],
    "requestBody": {"required": True,
                    "content": {"application/json": {"schema": BookingRequest.model_json_schema()}}},
}


class BookingList(BaseModel):
    bookings: list[BookingCreated]


@router.post("", status_code=201, response_model=BookingCreated, responses=CREATE_RESPONSES,
             openapi_extra=CREATE_OPENAPI, dependencies=[CustomerWriteLimit, BookingOwner],
             summary="Create a booking (once per Idempotency-Key)")
def create_booking(key: IdempotencyKey, booking: BookingBody, conn: Conn, catalog: CatalogDep,
                   notifier: NotifierDep, outbox: OutboxDep, response: Response) -> BookingCreated:
    created, replayed = booking_service.create_booking(conn, catalog, key, booking, on_created=outbox.on_booking)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    else:
        notifier.publish(therapist_topic(created.booking.therapist_id))
        notifier.publish(NOTIFICATIONS_TOPIC)  # the dispatcher delivers it now, not at its next look
    return created


@router.get("/last", response_model=LastBooking,
            responses={**UNAUTHORIZED, **FORBIDDEN, **INVALID, **NOT_FOUND, **TOO_MANY},
            summary="Reusable fields of this customer's most recent booking (the owner's token only)")
def last_booking(customer_id: OwnedCustomerId, conn: Conn) -> LastBooking:
    last = crud.last_for_customer(conn, customer_id)
    if last is None:
        raise ApiError(404, "This customer has no booking yet.")
    return last


@router.get("/{booking_id}", response_model=BookingCreated,
            responses={**UNAUTHORIZED, **INVALID, **NOT_FOUND, **TOO_MANY},
            summary="One booking by its id (the token owning its customer only)")
def read_booking(booking_id: str, request: Request, token: CustomerToken, conn: Conn,
                 limits: LimitsDep) -> BookingCreated:
    booking = crud.get_booking(conn, booking_id)
    if booking is None or not customers.owns(conn, booking.booking.customer_id, token):
        # Unknown and not yours read the same: the answer says nothing about other customers.
        limits.auth_failed(request, token)
        raise ApiError(404, "No booking with this id.")
    return booking


LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or wrong admin token"},
    403: {"model": ErrorBody, "description": "Listing disabled: no admin token configured"},
    **INVALID, **TOO_MANY,
}


@router.get("", response_model=BookingList, dependencies=[AdminAccess], responses=LIST_RESPONSES,
            summary="All bookings, newest first (admin token only)")
def list_bookings(conn: Conn, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> BookingList:
    return BookingList(bookings=crud.list_bookings(conn, limit))
