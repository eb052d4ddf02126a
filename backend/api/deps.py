"""FastAPI dependencies, as ``Annotated`` aliases the routes declare (full-stack-fastapi-template style).

Example::

    @router.get("/{booking_id}")
    def read_booking(booking_id: str, conn: Conn) -> BookingCreated: ...
"""

from __future__ import annotations

import hmac
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, BeforeValidator
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from app.domain.models import BookingAction, BookingRequest
from backend.services import idempotency
from backend.core.bodies import parse_body
from backend.services.catalog import Catalog
from backend.core.config import Settings
from backend.db.engine import Database
from backend.core.errors import ApiError
from backend.core.notify import Notifier
from backend.services.notifications import Outbox
from backend.services.ratelimit import Limits, get_limits

M = TypeVar("M", bound=BaseModel)


# The getters below are ``async def``: FastAPI runs a plain ``def`` dependency in a worker thread,
# a hop (and, on a busy machine, a wait for the GIL) per getter per request for a mere attribute read.
async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_database(request: Request) -> Database:
    return request.app.state.database


async def get_catalog(request: Request) -> Catalog:
    return request.app.state.catalog


async def get_notifier(request: Request) -> Notifier:
    return request.app.state.notifier


async def get_outbox(request: Request) -> Outbox:
    return request.app.state.outbox


async def get_connection(request: Request) -> AsyncIterator[Connection]:
    # Borrowed in a worker thread, so a pool that must wait (all connections busy, or the server
    # gone) never stalls the event loop; the (sync) routes using it run in worker threads too.
    database = request.app.state.database
    manager = database.connection()
    conn = await run_in_threadpool(manager.__enter__)
    try:
        yield conn
    except BaseException as exc:
        await run_in_threadpool(manager.__exit__, type(exc), exc, exc.__traceback__)
        raise
    # Back to the pool on the loop: our transactions are all closed by now (``transaction``,
    # ``snapshot``), so the pool's reset is the driver's no-op rollback, with no I/O.
    manager.__exit__(None, None, None)


async def client_gone(request: Request) -> None:
    """Resolves when the client hung up (a long poll then stops waiting for it). After the body
    (a GET's is empty), the server's next ASGI message for this request is ``http.disconnect``."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def json_body(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency that parses the body as ``model`` ourselves, strictly (``backend.core.bodies``):
    invalid JSON, bad UTF-8, deep nesting, duplicate keys all become a 422 naming the field, never
    FastAPI's 400 or a 500."""
    async def parse(request: Request) -> M:
        return parse_body(model, await request.body())
    return parse


get_booking_body = json_body(BookingRequest)


async def get_action_body(request: Request) -> BookingAction:
    """``{"reason": "..."}``, strictly; no body at all (or an empty one) is ``{}``: no reason."""
    raw = await request.body()
    return BookingAction() if not raw.strip() else parse_body(BookingAction, raw)


_bearer = HTTPBearer(auto_error=False, description="BOOKING_ADMIN_TOKEN")


LimitsDep = Annotated[Limits, Depends(get_limits)]


def require_admin(request: Request, settings: Annotated[Settings, Depends(get_settings)], limits: LimitsDep,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
    if settings.admin_token is None:
        raise ApiError(403, "Listing bookings is disabled on this server (BOOKING_ADMIN_TOKEN is not set).")
    tried = credentials.credentials if credentials else None
    limits.check_auth_allowed(request, tried)
    given = credentials.credentials.encode() if credentials else b""
    if not hmac.compare_digest(given, settings.admin_token.encode()):
        limits.auth_failed(request, tried)
        raise ApiError(401, "A valid admin token is required: Authorization: Bearer <token>.",
                       headers={"WWW-Authenticate": "Bearer"})


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
NotifierDep = Annotated[Notifier, Depends(get_notifier)]
OutboxDep = Annotated[Outbox, Depends(get_outbox)]
Conn = Annotated[Connection, Depends(get_connection)]
BookingBody = Annotated[BookingRequest, Depends(get_booking_body)]
ActionBody = Annotated[BookingAction, Depends(get_action_body)]
IdempotencyKey = Annotated[str, Depends(idempotency.read_key)]
AdminAccess = Depends(require_admin)


# Query times are ISO 8601 text only: pydantic's lax mode would also take "4" as a Unix timestamp,
# which is not what the API documents (schemathesis sends exactly that).
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _iso(pattern: re.Pattern[str], example: str) -> BeforeValidator:
    def check(value: object) -> object:
        if not isinstance(value, str) or not pattern.match(value):
            raise ValueError(f"must be ISO 8601, like {example}")
        return value
    return BeforeValidator(check)


IsoDate = Annotated[date, _iso(_ISO_DATE, "2026-12-09")]
IsoDateTime = Annotated[datetime, _iso(_ISO_DATETIME, "2026-12-09T00:00:00+08:00")]
