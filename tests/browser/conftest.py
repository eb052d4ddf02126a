"""Browser tests: Debian's Chromium (or Playwright's) against the real backend serving the page.

Every page made by ``app_page`` fails its test on a ``pageerror``, a console
error, a Content-Security-Policy violation or a request to another origin.

``TRACE_STDLIB=1 pytest tests/browser`` also records which standard-library modules the pages
imported (at ready and when a test ends) and writes them to ``requirements/browser-stdlib.txt``,
the list ``tools/build_runtime.py`` trims ``python_stdlib.zip`` to. Run the whole suite for it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.support.receiver import Receiver
from tests.support.server import GENEROUS_LIMITS, ROOT, TEST_ADMIN_TOKEN, running_server

sys.path.insert(0, str(ROOT / "tools"))
from build_app import build as build_app  # noqa: E402
from ensure_browser import chromium_executable  # noqa: E402

READY = "html[data-app-state='ready']"
BOOT_TIMEOUT_MS = 60_000
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]


TRACE_OUTPUT = ROOT / "requirements" / "browser-stdlib.txt"
TRACING = os.environ.get("TRACE_STDLIB", "") not in ("", "0")
_traced: set[str] = set()


def trace_imports(page: Page) -> None:
    """With TRACE_STDLIB set, remember every module the page has imported so far."""
    if not TRACING or page.is_closed():
        return
    try:
        names = page.evaluate("() => window.chatBookingImported ? window.chatBookingImported() : '[]'")
    except Exception:  # noqa: BLE001 - a page mid-navigation or gone: its last trace is enough
        return
    _traced.update(json.loads(names))


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not TRACING or not _traced:
        return
    with zipfile.ZipFile(ROOT / "node_modules" / "pyodide" / "python_stdlib.zip") as stdlib:
        available = {name.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
                     for name in stdlib.namelist() if name.endswith(".py")}
    names = sorted(_traced & available)
    TRACE_OUTPUT.write_text(
        "# Standard-library modules the page imports: traced by 'TRACE_STDLIB=1 pytest tests/browser'\n"
        "# (tests/browser/conftest.py). tools/build_runtime.py ships python_stdlib.zip with these\n"
        "# modules (and what they import at module level) only. Regenerate it; do not edit by hand.\n"
        + "".join(f"{name}\n" for name in names))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    executable = chromium_executable()
    extra = {"executable_path": executable} if executable else {}
    return {**browser_type_launch_args, **extra, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def push_service() -> Iterator[Receiver]:
    """A local push service (the browser's would be FCM or Mozilla's): the server may send to it only."""
    with Receiver(default=201) as receiver:
        yield receiver


@pytest.fixture(scope="session")
def vapid_keys() -> tuple[str, str]:
    """(VAPID_PRIVATE_KEY, public key), made as an operator makes them: ``python -m backend vapid-keys``."""
    result = subprocess.run([sys.executable, "-m", "backend", "vapid-keys"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=True)
    private = re.search(r"^VAPID_PRIVATE_KEY=(\S+)$", result.stdout, re.M)
    public = re.search(r"applicationServerKey\): (\S+)$", result.stdout, re.M)
    assert private and public, result.stdout
    return private.group(1), public.group(1)


@pytest.fixture(scope="session")
def live_backend(tmp_path_factory: pytest.TempPathFactory, push_service: Receiver,
                 vapid_keys: tuple[str, str]) -> Iterator[tuple[str, Path]]:
    """The real server on a real SQLite file: (base URL, database path). Web Push is on (VAPID keys, the
    local push service allowed), so both pages show their switches as a real deployment does."""
    build_app()  # the page runs app/ from its wheel (tools/build_app.py): never a stale one
    database = tmp_path_factory.mktemp("db") / "bookings.sqlite3"
    push = {"VAPID_PRIVATE_KEY": vapid_keys[0], "VAPID_SUBJECT": "mailto:tests@example.com",
            "PUSH_SERVICES": push_service.origin}
    with running_server(database, env={"BOOKING_ADMIN_TOKEN": TEST_ADMIN_TOKEN, **GENEROUS_LIMITS,
                                       **push}) as base_url:
        yield base_url, database


@pytest.fixture(scope="session")
def live_server(live_backend: tuple[str, Path]) -> str:
    return live_backend[0]


@pytest.fixture(scope="session")
def ayu_token(live_backend: tuple[str, Path]) -> str:
    """A therapist token for Ayu (t-ayu), made the way an operator makes one: with the CLI."""
    result = subprocess.run([sys.executable, "-m", "backend", "therapist-token", "t-ayu"], cwd=ROOT,
                            env={**os.environ, "DATABASE_URL": str(live_backend[1])},
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


class PageProblems:
    """Collects what must never happen on our page; ``check()`` fails the test."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.items: list[str] = []
        self.allowed_console_errors: list[str] = []

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.items.append(f"pageerror: {error}"))
        page.on("console", self._console)
        page.on("request", self._request)

    def _console(self, message) -> None:
        if message.type == "error" and not any(s in message.text for s in self.allowed_console_errors):
            self.items.append(f"console error: {message.text}")

    def _request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob"):
            return
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.items.append(f"off-origin request: {request.url}")

    def check(self) -> None:
        assert not self.items, "\n".join(self.items)


@pytest.fixture
def page_problems(live_server: str) -> PageProblems:
    return PageProblems(live_server)


@pytest.fixture
def app_context(browser: Browser, live_server: str) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    # Report CSP violations on the console, where PageProblems sees them.
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    yield context
    context.close()


@pytest.fixture
def app_page(app_context: BrowserContext, page_problems: PageProblems) -> Iterator[Page]:
    page = app_context.new_page()
    page_problems.watch(page)
    yield page
    trace_imports(page)
    page_problems.check()


def wait_ready(page: Page) -> None:
    page.wait_for_selector(READY, state="attached", timeout=BOOT_TIMEOUT_MS)
    trace_imports(page)
