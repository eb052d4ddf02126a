"""The folder ``make site`` publishes boots as a plain static site under a sub-path, as on GitHub Pages.

``serve_site`` is a tiny static file server shaped like GitHub Pages for a project site:
only ``/chat-booking/<path>`` maps to the folder, ``/chat-booking`` redirects to
``/chat-booking/``, everything else is a 404, and files carry ``Cache-Control: max-age=600``
(so a test also proves the service worker never trusts the HTTP cache).
"""

from __future__ import annotations

import contextlib
import mimetypes
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import PageProblems, wait_ready
from tests.support.server import ROOT

sys.path.insert(0, str(ROOT / "tools"))
from build_site import build_site  # noqa: E402

PREFIX = "/chat-booking/"
TYPES = {".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
         ".toml": "text/plain; charset=utf-8", ".py": "text/x-python; charset=utf-8",
         ".html": "text/html; charset=utf-8", ".css": "text/css", ".json": "application/json",
         ".svg": "image/svg+xml", ".whl": "application/zip", ".zip": "application/zip"}
CSP_REPORTER = ("document.addEventListener('securitypolicyviolation', e => "
                "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));")


def _handler(folder: Path) -> type[BaseHTTPRequestHandler]:
    folder = folder.resolve()

    class PagesLikeHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._respond(body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._respond(body=False)

        def _respond(self, body: bool) -> None:
            path = unquote(urlsplit(self.path).path)
            if path == PREFIX.rstrip("/"):
                self.send_response(301)
                self.send_header("Location", PREFIX)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            target = self._target(path)
            if target is None:
                self.send_error(404)
                return
            data = target.read_bytes()
            content_type = TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0]
            self.send_response(200)
            self.send_header("Content-Type", content_type or "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "max-age=600")  # what GitHub Pages sends
            self.end_headers()
            if body:
                self.wfile.write(data)

        def _target(self, path: str) -> Path | None:
            if not path.startswith(PREFIX):
                return None
            relative = path[len(PREFIX):]
            if relative == "" or relative.endswith("/"):
                relative += "index.html"
            target = (folder / relative).resolve()
            if not target.is_relative_to(folder) or not target.is_file():
                return None
            return target

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # quiet: failures show up as 404s in the browser test instead

    return PagesLikeHandler


@contextlib.contextmanager
def serve_site(folder: Path) -> Iterator[str]:
    """Serve ``folder`` at ``http://127.0.0.1:<port>/chat-booking/``; yield the origin."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(folder))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextlib.contextmanager
def site_page(browser: Browser, origin: str) -> Iterator[tuple[BrowserContext, Page, PageProblems]]:
    """A fresh context and page watched for page errors, console errors and off-origin requests."""
    context = browser.new_context(base_url=origin, viewport={"width": 1280, "height": 800})
    context.add_init_script(CSP_REPORTER)
    problems = PageProblems(origin)
    page = context.new_page()
    problems.watch(page)
    try:
        yield context, page, problems
    finally:
        context.close()


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pages") / "site"
    build_site(folder)
    return folder


@pytest.fixture(scope="module")
def site_origin(built_site: Path) -> Iterator[str]:
    with serve_site(built_site) as origin:
        yield origin


def test_the_built_site_boots_under_a_sub_path_from_a_plain_static_server(browser: Browser,
                                                                         site_origin: str) -> None:
    with site_page(browser, site_origin) as (_context, page, problems):
        page.goto(PREFIX)
        wait_ready(page)
        expect(page.locator("html")).to_have_attribute("data-app-state", "ready")
        problems.check()


def test_the_service_worker_of_the_built_site_is_scoped_to_the_sub_path(browser: Browser,
                                                                      site_origin: str) -> None:
    with site_page(browser, site_origin) as (_context, page, problems):
        page.goto(PREFIX + "?therapist=t-ayu")
        wait_ready(page)
        registration = page.evaluate(
            """async () => {
                const registration = await navigator.serviceWorker.ready;
                return {scope: registration.scope, script: registration.active.scriptURL};
            }"""
        )
        assert registration == {"scope": site_origin + PREFIX, "script": site_origin + PREFIX + "sw.js"}
        problems.check()


def test_the_static_server_serves_only_the_sub_path(site_origin: str) -> None:
    assert httpx.get(site_origin + "/index.html").status_code == 404
    assert httpx.get(site_origin + "/chat-booking").headers["location"] == PREFIX
    wasm = httpx.get(site_origin + PREFIX + "static/vendor/pyodide/pyodide.asm.wasm")
    assert wasm.headers["content-type"] == "application/wasm"
