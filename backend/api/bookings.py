"""``/api/bookings``: create a booking exactly once, read it back, prefill from the last one.

    POST /api/bookings                      Idempotency-Key + BookingRequest → 201 BookingCreated,
                                            status "requested", holding its time until the therapist
                                            answers or ``expires_at``; 409 {"detail", "field":
                                            "starts_at"} when the time is not free, 422 on starts_at
                                            when it is never offered (customer bearer token required:
                                            it must own, or now claims, customer_id; a new booking
                                            starts/updates its conversation, with a system message)
    GET  /api/bookings/last?customer_id=…   → LastBooking; the token must own customer_id; 404 when
                                            the customer has none
    GET  /api/bookings/{id}                 → BookingCreated, only to the token owning its customer;
                                            404 when unknown *or* another customer's
    GET  /api/bookings?limit=…              → newest first; admin bearer token only
    POST /api/bookings/{id}/cancel          Idempotency-Key + optional {"reason"} → 200 BookingCreated
                                            (cancelled); 409 {"detail", "status": current} when the
                                            lifecycle refuses; a replayed key → the first answer;
                                            404 when unknown or another customer's

``therapist_name`` is the catalog's: a booking naming the therapist otherwise is refused (422),
an empty one is filled in with the catalog's name.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from app.domain.models import BookingAction, BookingCreated, BookingRequest, LastBooking
from backend.crud import bookings as crud
from backend.crud import customers
from backend.services import bookings as booking_service
from backend.services import actions, idempotency
from backend.api.openapi import TOO_MANY
from backend.api.auth import BookingOwner, CustomerToken, CustomerWriteLimit, OwnedCustomerId
from backend.api.deps import (
    ActionBody,
    AdminAccess,
    BookingBody,
    CatalogDep,
    Conn,
    IdempotencyKey,
    LimitsDep,
    NotifierDep,
    OutboxDep,
    SettingsDep,
)
from backend.core.errors import ApiError, Conflict, ConflictBody, ErrorBody, ValidationErrorBody
from backend.core.notify import Notifier
from backend.services.booking_events import wake

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
    409: {"model": ConflictBody, "description": "The time is not free (field: starts_at)"},
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
                   notifier: NotifierDep, settings: SettingsDep, outbox: OutboxDep,
                   response: Response) -> BookingCreated:
    created, replayed, expired = booking_service.create_booking(
        conn, catalog, key, booking, ttl_ms=settings.booking_request_ttl * 1000, outbox=outbox)
    for booking_expired in expired:
        wake(notifier, booking_expired)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    else:
        wake(notifier, created)  # the long polls and the notifications dispatcher
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


ACTION_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The booking after the action (header Idempotent-Replayed: true on a replay)"},
    400: {"model": ErrorBody, "description": "Idempotency-Key missing, empty or too long"},
    **UNAUTHORIZED, **NOT_FOUND,
    409: {"model": ConflictBody, "description": "Refused in the booking's current status (status)"},
    **INVALID, **TOO_MANY,
}
ACTION_OPENAPI = {
    "parameters": [idempotency.OPENAPI_PARAMETER],
    "requestBody": {"required": False,
                    "content": {"application/json": {"schema": BookingAction.model_json_schema()}}},
}


def answer_of(result: actions.Answer, response: Response, notifier: Notifier) -> BookingCreated:
    """The action's answer as the route gives it: 409 raised, 200 the booking; wake whoever must hear."""
    for changed in result.changed:
        wake(notifier, changed)
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    if result.status_code == 409:
        raise Conflict(result.body["detail"], status=result.body["status"],
                       headers={"Idempotent-Replayed": "true"} if result.replayed else None)
    return BookingCreated.model_validate(result.body)


@router.post("/{booking_id}/cancel", response_model=BookingCreated, responses=ACTION_RESPONSES,
             openapi_extra=ACTION_OPENAPI, dependencies=[CustomerWriteLimit],
             summary="The customer cancels their booking (once per Idempotency-Key)")
def cancel_booking(booking_id: str, key: IdempotencyKey, body: ActionBody, request: Request, token: CustomerToken,
                   conn: Conn, limits: LimitsDep, notifier: NotifierDep, outbox: OutboxDep,
                   response: Response) -> BookingCreated:
    booking = crud.get_booking(conn, booking_id)
    if booking is None or not customers.owns(conn, booking.booking.customer_id, token):
        limits.auth_failed(request, token)
        raise ApiError(404, "No booking with this id.")
    result = actions.act(conn, booking, action="cancel", actor="customer", actor_id=booking.booking.customer_id,
                         key=key, reason=body.reason, outbox=outbox)
    return answer_of(result, response, notifier)


LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or wrong admin token"},
    403: {"model": ErrorBody, "description": "Listing disabled: no admin token configured"},
    **INVALID, **TOO_MANY,
}


@router.get("", response_model=BookingList, dependencies=[AdminAccess], responses=LIST_RESPONSES,
            summary="All bookings, newest first (admin token only)")
def list_bookings(conn: Conn, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> BookingList:
    return BookingList(bookings=crud.list_bookings(conn, limit))
