"""Who is calling: the FastAPI dependencies for customer and therapist bearer tokens.

    no token, not Bearer, malformed token          → 401 + WWW-Authenticate: Bearer
    customer token that does not own the customer  → 403
    therapist token unknown or revoked             → 401
    session id of another therapist                → 404 (its existence is not theirs to know)
    booking id of another customer                 → 404 (the same answer as an unknown id)
    too many failed checks from this client        → 429 + Retry-After, before any check
                                                     (every 401 and 403 above counts)

Customer ids are UUID4s (``backend.core.bodies.check_customer_id``: 422 on ``customer_id``); the token
travels only in the Authorization header, never in a URL.

Example::

    @router.get("/{session_id}/messages")
    async def read(session: CustomerSession): ...        # Session, the token owns its customer

    @router.get("/me")
    def me(therapist: TherapistAuth): ...                # backend.services.catalog.Therapist
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection

from backend.crud import customers
from backend.core.bodies import UUID4_PATTERN, check_customer_id
from backend.services.catalog import Therapist
from backend.api.deps import BookingBody, CatalogDep, Conn, DatabaseDep, LimitsDep
from backend.core.errors import ApiError
from backend.services.sessions import SESSION_MAX, SESSION_PATTERN, Session, parse_session_id
from backend.core.security import well_formed
from backend.crud.tokens import therapist_for_token

_customer_bearer = HTTPBearer(auto_error=False, scheme_name="CustomerToken",
                              description="The random token (22–128 of A-Z a-z 0-9 _ -) the page made; "
                                          "the first one seen with a customer id owns it.")
_therapist_bearer = HTTPBearer(auto_error=False, scheme_name="TherapistToken",
                               description="From `python -m backend therapist-token <therapist_id>`.")
Credentials = HTTPAuthorizationCredentials | None
SessionIdPath = Annotated[str, Path(pattern=SESSION_PATTERN, max_length=SESSION_MAX,
                                    description="session_<therapist_id>_<customer_id>")]


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, message, headers={"WWW-Authenticate": "Bearer"})


def _token(request: Request, limits: LimitsDep, credentials: Credentials) -> str:
    tried = credentials.credentials if credentials is not None else None
    limits.check_auth_allowed(request, tried)
    if credentials is None:
        limits.auth_failed(request, tried)
        raise _unauthorized("A token is required: Authorization: Bearer <token>.")
    if not well_formed(credentials.credentials):
        limits.auth_failed(request, tried)
        raise _unauthorized("The bearer token must be 22–128 characters of A-Z, a-z, 0-9, _ and -.")
    return credentials.credentials


def customer_token(request: Request, limits: LimitsDep,
                   credentials: Annotated[Credentials, Security(_customer_bearer)]) -> str:
    """The customer's bearer token, well formed (401 otherwise)."""
    return _token(request, limits, credentials)


CustomerToken = Annotated[str, Depends(customer_token)]


def _claim(request: Request, limits: LimitsDep, database: DatabaseDep, customer_id: str, token: str,
           conn: Connection | None = None) -> None:
    if conn is None:  # a route that holds no connection (a long poll must not hold one while it waits)
        with database.connection() as own:
            owns = customers.claim(own, customer_id, token)
    else:
        owns = customers.claim(conn, customer_id, token)
    if not owns:
        limits.auth_failed(request, token)
        raise ApiError(403, "This customer id belongs to another device's token.")


def customer_write(request: Request, token: CustomerToken, limits: LimitsDep) -> None:
    """A booking or customer message, counted once the token is known to be well formed (so that a
    flood without tokens costs only the failed-check counter, which stops it after a few)."""
    limits.check_write(request)


def customer_session(request: Request, session_id: SessionIdPath, token: CustomerToken, catalog: CatalogDep,
                     database: DatabaseDep, limits: LimitsDep) -> Session:
    """The session in the path, after checking the token owns its customer (binding it if new)."""
    session = parse_session_id(session_id, catalog)
    _claim(request, limits, database, session.customer_id, token)
    return session


def booking_owner(request: Request, token: CustomerToken, booking: BookingBody, database: DatabaseDep,
                  limits: LimitsDep, conn: Conn) -> None:
    """A booking needs the customer's token, which must own (or now claims) its customer id; checked on
    the route's own connection (one pool checkout per booking, not two)."""
    _claim(request, limits, database, booking.customer_id, token, conn)


CustomerIdQuery = Annotated[str, Query(min_length=36, max_length=36, pattern=UUID4_PATTERN,
                                       description="The page's customer id (a UUID4)")]


def customer_owner(request: Request, token: CustomerToken, database: DatabaseDep, limits: LimitsDep,
                   customer_id: CustomerIdQuery) -> str:
    """For ``/last?customer_id=``: the id is checked (422), then claimed by the token (403)."""
    check_customer_id(customer_id)
    _claim(request, limits, database, customer_id, token)
    return customer_id


def therapist_auth(request: Request, catalog: CatalogDep, database: DatabaseDep, limits: LimitsDep,
                   credentials: Annotated[Credentials, Security(_therapist_bearer)]) -> Therapist:
    token = _token(request, limits, credentials)
    with database.connection() as conn:
        therapist_id = therapist_for_token(conn, token)
    therapist = catalog.therapists.get(therapist_id or "")
    if therapist is None:  # unknown, revoked, or a therapist since removed from the catalog
        limits.auth_failed(request, token)
        raise _unauthorized("This therapist token is not valid (unknown or revoked).")
    return therapist


TherapistAuth = Annotated[Therapist, Depends(therapist_auth)]


def therapist_write(request: Request, therapist: TherapistAuth, limits: LimitsDep) -> None:
    limits.check_write(request)


def therapist_session(session_id: SessionIdPath, therapist: TherapistAuth, catalog: CatalogDep) -> Session:
    session = parse_session_id(session_id, catalog)
    if session.therapist_id != therapist.id:
        raise ApiError(404, "No such conversation.")
    return session


CustomerSession = Annotated[Session, Depends(customer_session)]
TherapistSession = Annotated[Session, Depends(therapist_session)]
BookingOwner = Depends(booking_owner)
CustomerWriteLimit = Depends(customer_write)
TherapistWriteLimit = Depends(therapist_write)
OwnedCustomerId = Annotated[str, Depends(customer_owner)]
