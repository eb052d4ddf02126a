"""Backend tests: the real server (``python -m backend``) on a real database, spoken to over HTTP.

Every test that takes ``server`` (or ``api``, ``chat``, ``new_database``) runs once per engine:
``engine`` is a session fixture parametrised over SQLite (a file) and PostgreSQL (a database in
one throwaway cluster per test session, ``tests.support.postgres``). ``server`` is shared by the
tests of a session and engine; each test uses fresh customer ids (UUID4s, each with its own customer token: ``token_for``) and
Idempotency-Keys, so tests
never see each other's bookings (nor conversations: ``chat`` is a new customer with a new token,
talking to Ayu, whose token the operator CLI issued). ``rows`` reads the database directly
(``sqlite3`` or ``psycopg``, the same ``?`` SQL), to check what was stored rather than what the
API says.

Without PostgreSQL server binaries (``tools/ensure_postgres.py`` installs them) the PostgreSQL
half fails, loudly: it is skipped only when the person running the tests says so with
``SKIP_POSTGRES=1`` (and the run's summary then counts what was skipped).
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.core.config import Settings
from backend.db.engine import Database, open_database
from tests.support import postgres
from tests.support.database import SCHEMA_VERSION, age_schema, is_postgres_url, schema_version, translate
from tests.support.server import ROOT, running_server

# The tests' catalog: the real one's therapists and prices, but Ayu (and Wayan, for races and random
# sequences) work around the clock for a year ahead, so the hundreds of "as soon as possible"
# requests a test session makes all find a free time; Made and Sari keep the real hours.
TEST_CATALOG = ROOT / "tests" / "support" / "therapists.json"
# Never inherit these from the developer's shell: the tests decide. The rate limits are generous
# here; tests of the limits start their own server with small ones (tests/backend/test_rate_limits.py).
QUIET_ENV = {"BOOKING_ADMIN_TOKEN": "", "CORS_ALLOW_ORIGINS": "", "WORKERS": "1", "FRAME_ANCESTORS": "",
             "TRUSTED_PROXIES": "", "API_DOCS": "0", "RATE_LIMIT_WRITES": "1000000",
             "RATE_LIMIT_AUTH_FAILURES": "1000000", "MAX_CONNECTIONS_PER_CLIENT": "1000",
             "CATALOG_PATH": str(TEST_CATALOG), "BOOKING_REQUEST_TTL": "1800", "BOOKING_SWEEP_INTERVAL": "1"}
ENGINES = ("sqlite", "postgresql")
# The skip reason tests/conftest.py counts for the run's summary.
SKIPPED_POSTGRES = "SKIP_POSTGRES=1: not run on PostgreSQL (asked for)"
# Where a database is: a SQLite file, or a postgresql:// URL.
Location = Path | str


@dataclass(frozen=True)
class Server:
    url: str
    database: Location

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10, **kwargs)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[postgres.Cluster]:
    """One throwaway PostgreSQL cluster for the whole test session (started when first needed)."""
    if os.environ.get("SKIP_POSTGRES") == "1":
        pytest.skip(SKIPPED_POSTGRES)
    if not postgres.available():
        pytest.fail("PostgreSQL server binaries not found: run tools/ensure_postgres.py, or set "
                    "SKIP_POSTGRES=1 to skip the PostgreSQL tests on purpose", pytrace=False)
    with postgres.postgres_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="session", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def new_database(engine: str, request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Callable[[], Location]:
    """Make a new empty database of this engine: a SQLite file's path, or a PostgreSQL URL."""
    if engine == "sqlite":
        return lambda: tmp_path_factory.mktemp("db") / "bookings.sqlite3"
    cluster: postgres.Cluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database


@pytest.fixture
def database(new_database: Callable[[], Location]) -> Iterator[Database]:
    """A new migrated database of this engine, opened in-process (for tests of the database layer)."""
    db = open_database(Settings(DATABASE_URL=str(new_database())))
    db.migrate()
    yield db
    db.close()


@pytest.fixture(scope="session")
def server(new_database: Callable[[], Location]) -> Iterator[Server]:
    database = new_database()
    with running_server(database, env=QUIET_ENV) as url:
        yield Server(url, database)


@pytest.fixture
def api(server: Server) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


def new_key() -> str:
    return str(uuid.uuid4())


def new_customer() -> str:
    return str(uuid.uuid4())


_TOKENS: dict[str, str] = {}


def token_for(customer_id: str) -> str:
    """The token of this (test) customer's device: made on first use, the same ever after."""
    return _TOKENS.setdefault(customer_id, customer_token())


def auth_for(customer_id: str) -> dict[str, str]:
    return bearer(token_for(customer_id))


ADDRESS = "Villa Kayu, Jl. Raya Ubud 12, gate code 4411"


def booking(**overrides: Any) -> dict[str, Any]:
    """A valid BookingRequest body (catalog price for Ayu, 90 min, as soon as possible) for a fresh
    customer; ``starts_at=...`` instead of asap drops ``asap``."""
    body = {"therapist_id": "t-ayu", "therapist_name": "Ayu Lestari", "customer_id": new_customer(),
            "customer_name": "Ana Putri", "customer_whatsapp": "+62 812 3456 7890", "duration": 90,
            "price": 475000, "location_type": "villa", "massage_for": "partner", "address": ADDRESS,
            "asap": True}
    if "starts_at" in overrides:
        del body["asap"]
    return body | overrides


def post_booking(client: httpx.Client, body: Any, key: str | None = None, **kwargs: Any) -> httpx.Response:
    """POST a booking with its customer's token (a fresh one for a raw body); ``headers`` win."""
    customer = body.get("customer_id") if isinstance(body, dict) else None
    auth = auth_for(customer) if isinstance(customer, str) else bearer(customer_token())
    headers = {"Idempotency-Key": key or new_key(), **auth, **kwargs.pop("headers", {})}
    if isinstance(body, bytes | str):
        return client.post("/api/bookings", content=body, headers=headers, **kwargs)
    return client.post("/api/bookings", json=body, headers=headers, **kwargs)


def rows(database: Location, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Run a query (``?`` placeholders) on the database itself, read-only, next to the running server."""
    if isinstance(database, str) and is_postgres_url(database):
        import psycopg

        with psycopg.connect(database, autocommit=True) as conn:
            conn.read_only = True
            return [tuple(row) for row in conn.execute(translate(sql), params).fetchall()]
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        return conn.execute(sql, params).fetchall()


def execute(database: Location, sql: str) -> None:
    """Change the database behind the server's back (break it, age it), on either engine."""
    if isinstance(database, str) and is_postgres_url(database):
        import psycopg

        with psycopg.connect(database, autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]
        return
    with sqlite3.connect(database) as conn:
        conn.execute(sql)


def location(database: Database) -> Location:
    """Where an open ``Database`` is, for ``rows``/``execute``."""
    return database.url if database.engine == "postgresql" else database.path  # type: ignore[attr-defined]


def field_errors(response: httpx.Response) -> dict[str | None, str]:
    """{field: message} of a 422, checking the documented shape on the way."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    return {error["field"]: error["message"] for error in body["errors"]}


def customer_token() -> str:
    """What the page makes: >= 128 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def issue_therapist_token(server: Server, therapist_id: str, *,
                          revoke: bool = False) -> subprocess.CompletedProcess[str]:
    """The operator CLI, run as the operator would, against the running server's database file."""
    command = [sys.executable, "-m", "backend", "therapist-token", therapist_id]
    command += ["--revoke"] if revoke else []
    return subprocess.run(command, cwd=ROOT, env={**os.environ, "DATABASE_URL": str(server.database),
                                                  "CATALOG_PATH": str(TEST_CATALOG)},
                          capture_output=True, text=True, timeout=30, check=False)


def therapist_token(server: Server, therapist_id: str = "t-ayu") -> str:
    result = issue_therapist_token(server, therapist_id)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def chat_message(customer_id: str, text: str = "Hello, is 3 pm free?", **overrides: Any) -> dict[str, Any]:
    """A valid ChatMessage body from this customer, with a fresh id."""
    body = {"id": "m-" + uuid.uuid4().hex, "sender_id": customer_id, "sender_type": "customer",
            "message": text, "timestamp": int(time.time() * 1000)}
    return body | overrides


@dataclass
class Chat:
    """One fresh conversation with Ayu: a customer with their token, and Ayu's token."""

    server: Server
    customer_id: str
    customer_auth: dict[str, str]
    therapist_auth: dict[str, str]

    @property
    def session_id(self) -> str:
        return f"session_t-ayu_{self.customer_id}"

    @property
    def customer_path(self) -> str:
        return f"/api/conversations/{self.session_id}/messages"

    @property
    def therapist_path(self) -> str:
        return f"/api/therapist/conversations/{self.session_id}"

    def send(self, client: httpx.Client, text: str = "Hello", **overrides: Any) -> httpx.Response:
        return client.post(self.customer_path, json=chat_message(self.customer_id, text, **overrides),
                           headers=self.customer_auth)

    def reply(self, client: httpx.Client, text: str = "Yes, 3 pm is free", message_id: str | None = None
              ) -> httpx.Response:
        return client.post(self.therapist_path + "/messages", headers=self.therapist_auth,
                           json={"id": message_id or str(uuid.uuid4()), "message": text})


@pytest.fixture(scope="session")
def ayu_auth(server: Server) -> dict[str, str]:
    return bearer(therapist_token(server, "t-ayu"))


@pytest.fixture
def chat(server: Server, ayu_auth: dict[str, str]) -> Chat:
    customer = new_customer()
    return Chat(server, customer, auth_for(customer), ayu_auth)
