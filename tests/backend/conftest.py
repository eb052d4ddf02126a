"""Backend tests: the real server (``python -m backend``) on a real SQLite file, spoken to over HTTP.

``server`` is shared by the tests of a session; each test uses fresh customer ids and
Idempotency-Keys, so tests never see each other's bookings. ``rows`` reads the database file
directly with ``sqlite3``, to check what was stored rather than what the API says.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.server import running_server

# Never inherit these from the developer's shell: the tests decide.
QUIET_ENV = {"BOOKING_ADMIN_TOKEN": "", "CORS_ALLOW_ORIGINS": ""}


@dataclass(frozen=True)
class Server:
    url: str
    database: Path

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10, **kwargs)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    database = tmp_path_factory.mktemp("shared") / "bookings.sqlite3"
    with running_server(database, env=QUIET_ENV) as url:
        yield Server(url, database)


@pytest.fixture
def api(server: Server) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


def new_key() -> str:
    return str(uuid.uuid4())


def new_customer() -> str:
    return "c-" + uuid.uuid4().hex[:12]


def booking(**overrides: Any) -> dict[str, Any]:
    """A valid BookingRequest body (catalog price for Ayu, 90 min) for a fresh customer."""
    body = {"therapist_id": "t-ayu", "therapist_name": "Ayu Lestari", "customer_id": new_customer(),
            "customer_name": "Ana Putri", "customer_whatsapp": "+62 812 3456 7890", "duration": 90,
            "price": 475000, "location_type": "villa", "massage_for": "partner"}
    return body | overrides


def post_booking(client: httpx.Client, body: Any, key: str | None = None, **kwargs: Any) -> httpx.Response:
    headers = {"Idempotency-Key": key or new_key(), **kwargs.pop("headers", {})}
    if isinstance(body, bytes | str):
        return client.post("/api/bookings", content=body, headers=headers, **kwargs)
    return client.post("/api/bookings", json=body, headers=headers, **kwargs)


def rows(database: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Run a query on the database file itself, read-only, next to the running server."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        return conn.execute(sql, params).fetchall()


def field_errors(response: httpx.Response) -> dict[str | None, str]:
    """{field: message} of a 422, checking the documented shape on the way."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    return {error["field"]: error["message"] for error in body["errors"]}
