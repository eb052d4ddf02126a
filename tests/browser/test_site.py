"""The folder ``make site`` publishes boots as a plain static site under a sub-path, as on GitHub Pages.

The server is ``tests.support.pages_server``: shaped like GitHub Pages for a project site.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import PageProblems, wait_ready
from tests.support.pages_server import PREFIX, serve_site
from tests.support.server import ROOT

sys.path.insert(0, str(ROOT / "tools"))
from build_site import build_site  # noqa: E402

CSP_REPORTER = ("document.addEventListener('securitypolicyviolation', e => "
                "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));")


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
