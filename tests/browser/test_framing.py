"""Marketplaces embed the booking window in an iframe: it boots there, and only where allowed.

The embedding page is served from a second origin (``http://localhost:<port>``, while the
booking window is on ``http://127.0.0.1:<port>``): a cross-origin iframe, as on a marketplace.
Chromium may refuse that frame IndexedDB (third-party storage); the page must start anyway.
Which origins may frame it is the backend's ``FRAME_ANCESTORS`` (a CSP ``frame-ancestors``
header): an origin not listed gets no page.

Chromium (headless, third-party storage blocked) really refuses this frame IndexedDB: its
``indexedDB.open`` fails with an UnknownError, and ``static/js/idb-fallback.js`` answers it, which
the boot test checks by the warning that file logs. Nothing is faked.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import BOOT_TIMEOUT_MS, READY, PageProblems
from tests.browser.helpers import CSP_REPORTER
from tests.support.server import GENEROUS_LIMITS, running_server


class Embedder:
    """A plain page on another origin whose only content is an iframe of ``target``."""

    def __init__(self) -> None:
        self.target = ""
        embedder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                body = (f'<!doctype html><title>Marketplace</title><h1>Book with Ayu</h1>'
                        f'<iframe title="Chat Booking" src="{embedder.target}" width="420" height="820">'
                        f'</iframe>').encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://localhost:{self.server.server_address[1]}"  # another origin than 127.0.0.1
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def embedder() -> Iterator[Embedder]:
    embedding = Embedder()
    yield embedding
    embedding.close()


@pytest.fixture(scope="module")
def framed_server(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server that lets ``embedder``'s origin (and only it) frame the page."""
    database: Path = tmp_path_factory.mktemp("framing") / "bookings.sqlite3"
    with running_server(database, env={"FRAME_ANCESTORS": embedder.origin, "BOOKING_ADMIN_TOKEN": "", **GENEROUS_LIMITS}) as url:
        yield url


IDB_FALLBACK_WARNING = "IndexedDB is not available here; PyScript's caches are kept in memory."


def watch_the_frame(page: Page, problems: PageProblems) -> None:
    """PageProblems for the framed page: its errors (page, console, CSP) and any off-origin request."""
    page.on("pageerror", lambda error: problems.items.append(f"pageerror: {error}"))
    page.on("console", problems._console)  # noqa: SLF001 - the same rule as every other browser test
    page.on("request", lambda request: problems._request(request)  # noqa: SLF001
            if request.frame != page.main_frame else None)


def boot_framed(browser: Browser, embedder: Embedder, framed_server: str) -> list[str]:
    """Open the embedder, wait for the framed page to be ready and usable; what its console said."""
    embedder.target = f"{framed_server}/?therapist=t-ayu"
    context = browser.new_context(viewport={"width": 1024, "height": 900})
    context.add_init_script(CSP_REPORTER)
    problems = PageProblems(framed_server)
    said: list[str] = []
    page = context.new_page()
    watch_the_frame(page, problems)
    page.on("console", lambda message: said.append(message.text))
    try:
        page.goto(embedder.origin + "/embed.html")
        frame = page.frame_locator("iframe[title='Chat Booking']")
        expect(frame.locator(READY)).to_have_count(1, timeout=BOOT_TIMEOUT_MS)
        frame.get_by_label("Your name").fill("Framed Ana")
        expect(frame.get_by_label("Your name")).to_have_value("Framed Ana")
        expect(frame.get_by_role("heading", name="Book a session")).to_be_visible()
        problems.check()
    finally:
        context.close()
    return said


def test_the_page_boots_inside_a_cross_origin_iframe_of_an_allowed_origin_that_refuses_it_indexeddb(
        browser: Browser, embedder: Embedder, framed_server: str) -> None:
    said = boot_framed(browser, embedder, framed_server)
    # static/js/idb-fallback.js answered PyScript's refused open (the warning names the error).
    assert [text for text in said if text.startswith(IDB_FALLBACK_WARNING)], (
        "Chromium gave this frame IndexedDB, so the fallback went untested: refuse it here "
        f"(an init script replacing IDBFactory.prototype.open) to keep testing it. Console: {said}")


def test_an_origin_not_listed_in_frame_ancestors_cannot_frame_the_page(
        browser: Browser, framed_server: str) -> None:
    other = Embedder()  # a different port: a different origin, not in FRAME_ANCESTORS
    other.target = f"{framed_server}/?therapist=t-ayu"
    context = browser.new_context()
    page = context.new_page()
    try:
        # Wait for the refusal itself (Chromium says so on the console), not for a while.
        with page.expect_console_message(lambda message: "frame-ancestors" in message.text,
                                         timeout=BOOT_TIMEOUT_MS) as refusal:
            page.goto(other.origin + "/embed.html")
        assert "has been blocked" in refusal.value.text, refusal.value.text
        frame = next(f for f in page.frames if f is not page.main_frame)
        # The frame shows Chromium's error page, never ours.
        expect(page.frame_locator("iframe[title='Chat Booking']").locator("html")).to_have_count(1)
        assert frame.url.startswith("chrome-error://"), frame.url
    finally:
        context.close()
        other.close()
