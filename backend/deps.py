"""FastAPI dependencies, as ``Annotated`` aliases the routes declare (full-stack-fastapi-template style).

Example::

    @router.get("/{booking_id}")
    def read_booking(booking_id: str, conn: Conn) -> BookingCreated: ...
"""

from __future__ import annotations

import hmac
import sqlite3
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError

from app.domain.models import BookingRequest
from backend import idempotency
from backend.catalog import Catalog
from backend.config import Settings
from backend.db import Database
from backend.errors import ApiError, InvalidRequest, field_errors


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_database(request: Request) -> Database:
    return request.app.state.database


def get_catalog(request: Request) -> Catalog:
    return request.app.state.catalog


async def get_connection(request: Request) -> AsyncIterator[sqlite3.Connection]:
    # Borrowing from the pool never blocks for long, so this stays on the event loop; the
    # (sync) routes that use the connection run in the worker threads.
    with request.app.state.database.connection() as conn:
        yield conn


async def get_booking_body(request: Request) -> BookingRequest:
    """Parse the body ourselves: invalid JSON, bad UTF-8 or deep nesting all become a 422."""
    try:
        return BookingRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        raise InvalidRequest(field_errors(exc.errors())) from None


_bearer = HTTPBearer(auto_error=False, description="BOOKING_ADMIN_TOKEN")


def require_admin(settings: Annotated[Settings, Depends(get_settings)],
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
    if settings.admin_token is None:
        raise ApiError(403, "Listing bookings is disabled on this server (BOOKING_ADMIN_TOKEN is not set).")
    given = credentials.credentials.encode() if credentials else b""
    if not hmac.compare_digest(given, settings.admin_token.encode()):
        raise ApiError(401, "A valid admin token is required: Authorization: Bearer <token>.",
                       headers={"WWW-Authenticate": "Bearer"})


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
Conn = Annotated[sqlite3.Connection, Depends(get_connection)]
BookingBody = Annotated[BookingRequest, Depends(get_booking_body)]
IdempotencyKey = Annotated[str, Depends(idempotency.read_key)]
AdminAccess = Depends(require_admin)
