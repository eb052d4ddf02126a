"""The backend's rooms and the one direction their imports go.

    core  <-  db  <-  crud  <-  services  <-  api  <-  main  <-  cli  <-  __main__
    core  <-  http, site                       (beside them: main puts them together)

``core`` (settings, errors, security, clock, shapes) imports no other room; ``db`` (the engine,
the migrations, LISTEN/NOTIFY) is the only room that touches a database driver (``sqlite3``,
``psycopg``); ``crud`` is SQL per table; ``services`` the rules; ``api`` the routes and their
dependencies. ``app.domain`` (shared with the page) may be imported by any room. Imports inside
functions and ``TYPE_CHECKING`` blocks count too (read with ``ast``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_architecture import imports_in, imports_of, module_name

ROOT = Path(__file__).resolve().parents[2]
BACKEND = ROOT / "backend"

# room -> the rooms it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "db": {"core"},
    "crud": {"core", "db"},
    "services": {"core", "db", "crud"},
    "api": {"core", "db", "crud", "services"},
    "http": {"core"},
    "site": {"core"},
    "main": {"core", "db", "services", "api", "http", "site"},
    "cli": {"core", "db", "crud", "services", "http", "main"},
    "__main__": {"cli"},
    "backend": set(),  # backend/__init__.py
}
DRIVERS = {"sqlite3", "psycopg", "psycopg_pool", "psycopg2", "asyncpg"}
DRIVER_ROOMS = {"db"}
SHARED = "app.domain"  # the page's models and catalog parser, the same on both sides


def room_of(module: str) -> str | None:
    """``backend.crud.chat`` -> ``crud``; ``backend.main`` -> ``main``; None outside the backend."""
    parts = module.split(".")
    if parts[0] != "backend":
        return None
    return parts[1] if len(parts) > 1 else "backend"


def problems_of(room: str, imported: list[str], name: str = "probe") -> list[str]:
    problems = []
    for module in imported:
        top = module.split(".")[0]
        if top in DRIVERS and room not in DRIVER_ROOMS:
            problems.append(f"{name} ({room}) imports the driver {module}: only backend.db may")
        if top == "app" and not (module == SHARED or module.startswith(SHARED + ".")):
            problems.append(f"{name} ({room}) imports {module}: only {SHARED} is shared with the page")
        target = room_of(module)
        if target is None or target == room:
            continue
        if target not in ALLOWED.get(room, set()):
            problems.append(f"{name} ({room}) imports {module} ({target})")
    return problems


def backend_modules() -> list[Path]:
    return sorted(p for p in BACKEND.rglob("*.py") if "__pycache__" not in p.parts)


def violations() -> list[str]:
    found = []
    for path in backend_modules():
        name = module_name(path)
        found += problems_of(room_of(name) or "?", imports_of(path), name)
    return found


def test_every_backend_module_lives_in_a_known_room() -> None:
    rooms = {room_of(module_name(p)) for p in backend_modules()}
    assert rooms <= set(ALLOWED), rooms - set(ALLOWED)


def test_backend_imports_only_go_from_the_upper_rooms_to_the_lower_ones() -> None:
    assert violations() == []


def test_no_backend_module_is_long_without_saying_why() -> None:
    long = [module_name(p) for p in backend_modules()
            if len(p.read_text().splitlines()) > 300 and "long because" not in p.read_text()[:3000]]
    assert long == []


@pytest.mark.parametrize("source, room, bad", [
    ("from backend.api.deps import Conn\n", "crud", True),            # a lower room reaching up
    ("from backend.services.catalog import Catalog\n", "db", True),
    ("from backend.db.engine import transaction\n", "core", True),
    ("import sqlite3\n", "crud", True),                               # a driver outside db
    ("def f():\n    import psycopg\n", "services", True),            # lazily, still counted
    ("from backend import crud\n", "services", False),
    ("from backend.crud import chat\n", "api", False),
    ("from backend.api import api_router\n", "http", True),           # a side room reaching in
    ("from app.domain.models import BookingRequest\n", "core", False),
    ("from app.outbox.store import Outbox\n", "services", True),      # the page's own rooms
    ("import psycopg\n", "db", False),
    ("from ..api.deps import Conn\n", "crud", True),                # relative: read as backend.api.deps
    ("from . import chat\n", "crud", False),
])
def test_the_check_itself_tells_a_wrong_import_from_a_right_one(source: str, room: str, bad: bool) -> None:
    assert bool(problems_of(room, imports_in(source, f"backend.{room}.probe"))) is bad
