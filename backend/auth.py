"""Who is calling: the FastAPI dependencies for customer and therapist bearer tokens.

    no token, not Bearer, malformed token          → 401 + WWW-Authenticate: Bearer
    customer token that does not own the customer  → 403
    therapist token unknown or revoked             → 401
    session id of another therapist                → 404 (its existence is not theirs to know)

Example::

    @router.get("/{session_id}/messages")
    async def read(session: CustomerSession): ...        # Session, the token owns its customer

    @router.get("/me")
    def me(therapist: TherapistAuth): ...                # backend.catalog.Therapist
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from backend import customers
from backend.catalog import Therapist
from backend.deps import BookingBody, CatalogDep, DatabaseDep
from backend.errors import ApiError
from backend.sessions import SESSION_MAX, SESSION_PATTERN, Session, parse_session_id
from backend.tokens import therapist_for_token, well_formed

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


def _token(credentials: Credentials) -> str:
    if credentials is None:
        raise _unauthorized("A token is required: Authorization: Bearer <token>.")
    if not well_formed(credentials.credentials):
        raise _unauthorized("The bearer token must be 22–128 characters of A-Z, a-z, 0-9, _ and -.")
    return credentials.credentials


def _claim(database: DatabaseDep, customer_id: str, token: str) -> None:
    with database.connection() as conn:
        owns = customers.claim(conn, customer_id, token)
    if not owns:
        raise ApiError(403, "This customer id belongs to another device's token.")


def customer_session(session_id: SessionIdPath, catalog: CatalogDep, database: DatabaseDep,
                     credentials: Annotated[Credentials, Security(_customer_bearer)]) -> Session:
    """The session in the path, after checking the token owns its customer (binding it if new)."""
    token = _token(credentials)
    session = parse_session_id(session_id, catalog)
    _claim(database, session.customer_id, token)
    return session


def booking_owner(request: Request, booking: BookingBody, database: DatabaseDep) -> None:
    """Bookings may still come without a token (today's page sends none); with one, it must own
    the booking's customer id, exactly as for the conversations. (The header is read here, not
    through ``Security``, so that /openapi.json can say the token is optional: see bookings.py.)"""
    header = request.headers.get("authorization")
    if header is None:
        return
    scheme, _, token = header.partition(" ")
    credentials = HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip()) \
        if scheme.lower() == "bearer" and token.strip() else None
    _claim(database, booking.customer_id, _token(credentials))


def therapist_auth(catalog: CatalogDep, database: DatabaseDep,
                   credentials: Annotated[Credentials, Security(_therapist_bearer)]) -> Therapist:
    token = _token(credentials)
    with database.connection() as conn:
        therapist_id = therapist_for_token(conn, token)
    therapist = catalog.therapists.get(therapist_id or "")
    if therapist is None:  # unknown, revoked, or a therapist since removed from the catalog
        raise _unauthorized("This therapist token is not valid (unknown or revoked).")
    return therapist


TherapistAuth = Annotated[Therapist, Depends(therapist_auth)]


def therapist_session(session_id: SessionIdPath, therapist: TherapistAuth, catalog: CatalogDep) -> Session:
    session = parse_session_id(session_id, catalog)
    if session.therapist_id != therapist.id:
        raise ApiError(404, "No such conversation.")
    return session


CustomerSession = Annotated[Session, Depends(customer_session)]
TherapistSession = Annotated[Session, Depends(therapist_session)]
BookingOwner = Depends(booking_owner)
