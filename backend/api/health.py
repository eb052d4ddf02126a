"""``GET /api/health``: the process answers and the database file can be queried.

Example::

    curl -s localhost:8000/api/health      # {"status":"ok","database":"ok"}  (503 when not)
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel

from backend.api.deps import DatabaseDep

router = APIRouter(prefix="/api", tags=["health"])


class Health(BaseModel):
    status: Literal["ok", "error"]
    database: Literal["ok", "unavailable"]


@router.get("/health", response_model=Health,
            responses={503: {"model": Health, "description": "The database cannot be queried"}})
def health(database: DatabaseDep, response: Response) -> Health:
    if database.check():
        return Health(status="ok", database="ok")
    response.status_code = 503
    return Health(status="error", database="unavailable")
