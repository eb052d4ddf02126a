"""DATABASE_URL names a SQLite file or a PostgreSQL server in the forms operators use; anything else
stops the server with a message, before it creates a file or a folder anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import httpx
import pytest

from backend.core.config import Settings
from tests.backend.conftest import QUIET_ENV, Location, rows
from tests.support.server import ROOT, running_server


@pytest.mark.parametrize("url, engine", [
    ("postgresql://u:p@db.example:5432/app", "postgresql"),
    ("postgres://u@db.example/app", "postgresql"),
    ("postgresql+psycopg://u:p@db.example:5432/app", "postgresql"),   # the FastAPI template's form
    ("sqlite:///tmp/x.sqlite3", "sqlite"),
    ("var/x.sqlite3", "sqlite"),
])
def test_database_url_knows_its_schemes(url: str, engine: str) -> None:
    assert Settings(DATABASE_URL=url).database_engine == engine


def test_the_psycopg_form_is_never_taken_for_a_sqlite_path() -> None:
    settings = Settings(DATABASE_URL="postgresql+psycopg://app:secret@db.example:5432/bookings")
    assert settings.database.path is None
    assert settings.database.redacted == "postgresql+psycopg://app:***@db.example:5432/bookings"


@pytest.mark.parametrize("url", ["mysql://u:p@db/app", "postgresql+asyncpg://u:p@db/app", "sqlite://",
                                 "sqlite:relative.db", "postgresql:db", "oracle+cx:db"])
def test_an_unknown_database_url_stops_the_server_with_a_message(url: str) -> None:
    env = {**os.environ, **QUIET_ENV, "DATABASE_URL": url, "PORT": "0"}
    before = sorted(ROOT.iterdir()) + sorted(ROOT.glob("var/*"))
    result = subprocess.run([sys.executable, "-m", "backend"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 2, result.stderr
    assert "DATABASE_URL" in result.stderr and "postgresql+psycopg://" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(ROOT.iterdir()) + sorted(ROOT.glob("var/*")) == before


def test_the_server_runs_on_postgresql_given_the_psycopg_form(new_database: Callable[[], Location],
                                                              engine: str) -> None:
    if engine != "postgresql":
        pytest.skip("PostgreSQL URL")
    url = str(new_database())
    psycopg_form = url.replace("postgresql://", "postgresql+psycopg://", 1)
    with running_server(psycopg_form, env=QUIET_ENV) as base:
        assert httpx.get(base + "/api/health").json()["database"] == "ok"
    assert rows(url, "SELECT count(*) FROM alembic_version") == [(1,)]
    assert not any(p.name.startswith("postgresql+psycopg:") for p in ROOT.iterdir())
