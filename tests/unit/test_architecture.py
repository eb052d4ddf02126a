"""The rooms of the house and the one direction their imports go.

    domain  <-  persistence  <-  drafts / outbox  <-  checkout / chat  <-  inbox  <-  ui  <-  browser

A module may import its own room and the rooms to its left, never one to its right; drafts
and outbox do not know each other (``app.checkout`` and ``app.chat`` are where they meet;
``app.inbox``, the therapist's side, reuses the chat's poller; ``app.push``, the Web Push switch of
both pages, sits beside them on the outbox's ``api_url``). Only ``app.browser``
imports ``js`` / ``pyodide`` / ``pyscript``. The check reads every module's imports with
``ast`` (imports inside functions and ``TYPE_CHECKING`` blocks count too: a cycle hidden there
is still a cycle), relative ones resolved against the module's package, so it needs nothing
installed and cannot be fooled by lazy or relative imports. The self-check runs ``violations()``
itself on a small tree of probe modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"

# room -> the rooms it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "domain": set(),
    "persistence": {"domain"},
    "drafts": {"domain", "persistence"},
    "outbox": {"domain", "persistence"},
    "checkout": {"domain", "persistence", "drafts", "outbox"},
    "chat": {"domain", "persistence", "drafts", "outbox"},
    "inbox": {"domain", "persistence", "outbox", "chat"},
    "push": {"domain", "persistence", "outbox"},
    "ui": {"domain", "persistence", "drafts", "outbox", "checkout", "chat", "inbox", "push"},
    "browser": {"domain", "persistence", "drafts", "outbox", "checkout", "chat", "inbox", "push", "ui"},
    "main": {"browser"},
    "inbox_main": {"browser"},
}
BROWSER_ONLY = {"js", "pyodide", "pyscript"}
# app/main.py and app/inbox_main.py are the pages' <script>s themselves (index.html, inbox.html):
# part of the browser layer, outside the package.
BROWSER_ROOMS = {"browser", "main", "inbox_main"}


def room_of(module: str) -> str | None:
    """``app.drafts.session`` -> ``drafts``; ``app.checkout`` -> ``checkout``; None for other packages."""
    parts = module.split(".")
    if parts[0] != "app":
        return None
    return parts[1] if len(parts) > 1 else "app"


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path = ROOT) -> list[str]:
    """Absolute names of what ``path`` imports: ``from ..checkout import x`` in app/drafts/y.py is
    ``app.checkout``; ``from app import checkout`` names the room ``app.checkout``."""
    return imports_in(path.read_text(), module_name(path, root), package=path.name == "__init__.py",
                      filename=str(path))


def imports_in(source: str, module: str, *, package: bool = False, filename: str = "<probe>") -> list[str]:
    """``imports_of`` for source text said to be ``module`` (a package's ``__init__`` when ``package``);
    ``from <top> import x``, with a top-level package, names ``<top>.x`` (a room of it)."""
    tree = ast.parse(source, filename=filename)
    parent = module.split(".")
    if not package:
        parent.pop()
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = parent[:len(parent) - (node.level - 1)] if node.level > 1 else parent
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            # "from app import checkout" names the room app.checkout; so does "from .. import x".
            if base in ("app", "backend", "") or not node.module:
                found += [f"{base}.{alias.name}".lstrip(".") for alias in node.names]
            else:
                found.append(base)
    return found


def app_modules(app: Path = APP) -> list[Path]:
    return sorted(p for p in app.rglob("*.py") if "__pycache__" not in p.parts)


def violations(app: Path = APP) -> list[str]:
    """Every import that goes the wrong way in the package at ``app`` (default: ours)."""
    problems = []
    for path in app_modules(app):
        name = module_name(path, app.parent)
        room = room_of(name)
        if room == "app":
            continue  # app/__init__.py: a docstring only
        for imported in imports_of(path, app.parent):
            top = imported.split(".")[0]
            if top in BROWSER_ONLY and room not in BROWSER_ROOMS:
                problems.append(f"{name} imports {imported}: only app.browser may touch the browser")
            target = room_of(imported)
            if target is None or target == room:
                continue
            if target not in ALLOWED.get(room, set()):
                problems.append(f"{name} ({room}) imports {imported} ({target})")
    return problems


def test_every_module_lives_in_a_known_room() -> None:
    rooms = {room_of(module_name(p)) for p in app_modules()} - {"app"}
    assert rooms <= set(ALLOWED), rooms - set(ALLOWED)


def test_imports_only_go_from_the_upper_rooms_to_the_lower_ones() -> None:
    assert violations() == []


def test_test_doubles_are_not_part_of_the_product() -> None:
    assert not (APP / "fakes.py").exists()
    assert all("fake" not in p.name for p in app_modules())


@pytest.mark.parametrize("source, module, bad", [
    ("from app.checkout import Checkout\n", "drafts/probe.py", True),      # a lower room reaching up
    ("from app.outbox.store import Outbox\n", "drafts/probe.py", True),    # two side rooms
    ("import js\n", "outbox/probe.py", True),                              # the browser outside app.browser
    ("from app.domain.models import ChatMessage\n", "outbox/probe.py", False),
    ("import js\n", "inbox/probe.py", True),                               # the inbox core stays plain Python
    ("from app.browser.inbox_boot import boot\n", "inbox_main.py", False),
    ("from app.drafts.session import ChatBookingStorageService\n", "inbox/probe.py", True),
    ("from app import checkout\n", "ui/probe.py", False),
    ("def later():\n    from app.ui import render\n", "chat/probe.py", True),  # lazy: still counts
    # relative imports, resolved against the probe's package
    ("from ..checkout import Checkout\n", "drafts/probe.py", True),
    ("from .. import checkout\n", "drafts/probe.py", True),
    ("from ...ui import render\n", "outbox/deep/probe.py", True),
    ("from .store import Outbox\n", "outbox/probe.py", False),
    ("from ..domain.models import ChatMessage\n", "outbox/probe.py", False),
    ("from . import store\n", "outbox/__init__.py", False),
])
def test_the_check_itself_tells_a_wrong_import_from_a_right_one(tmp_path: Path, source: str, module: str,
                                                               bad: bool) -> None:
    app = tmp_path / "app"
    probe = app / module
    probe.parent.mkdir(parents=True, exist_ok=True)
    probe.write_text(source)
    assert bool(violations(app)) is bad, violations(app)
