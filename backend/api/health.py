"""``GET /api/health``: the process answers and the database file can be queried; the notifications
outbox's counts (pending, delivered, failed, dropped) when it can.

Example::

    curl -s localhost:8000/api/health
    # {"status":"ok","database":"ok","notifications":{"pending":0,"delivered":12,"failed":0,"dropped":3}}
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError

from backend.api.deps import DatabaseDep
from backend.crud import notifications as notifications_crud


router = APIRouter(prefix="/api", tags=["health"])


class NotificationCounts(BaseModel):
    pending: int
    delivered: int
    failed: int      # gave up (NOTIFY_MAX_ATTEMPTS, or refused): ``python -m backend notifications`` says why
    dropped: int     # no longer news (read meanwhile), or the push subscription is gone


class Health(BaseModel):
    status: Literal["ok", "error"]
    database: Literal["ok", "unavailable"]
    notifications: NotificationCounts | None = None


@router.get("/health", response_model=Health,
            responses={503: {"model": Health, "description": "The database cannot be queried"}})
def health(database: DatabaseDep, response: Response) -> Health:
    if not database.check():
        response.status_code = 503
        return Health(status="error", database="unavailable")
    try:
        with database.connection() as conn:
            counts = NotificationCounts(**notifications_crud.counts(conn))
    except DBAPIError:
        counts = None  # gone between the two queries: the next look says
    return Health(status="ok", database="ok", notifications=counts)
