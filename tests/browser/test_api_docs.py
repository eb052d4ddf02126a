"""``API_DOCS=1``: ``/docs`` renders in Chromium from our own origin (issue 21, item 11).

Its own server (with API_DOCS=1); the page fails on any page error, console error, CSP violation
or request to another origin, so a Swagger UI that reached for a CDN would fail here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from backend.site.docs import DOCS_POLICY
from tests.browser.helpers import guarded_context
from tests.support.server import GENEROUS_LIMITS, running_server


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database: Path = tmp_path_factory.mktemp("docs") / "bookings.sqlite3"
    with running_server(database, env={"API_DOCS": "1", "BOOKING_ADMIN_TOKEN": "", **GENEROUS_LIMITS}) as url:
        yield url


def test_the_api_docs_render_from_our_own_origin(browser: Browser, live_server: str) -> None:
    with guarded_context(browser, live_server, viewport={"width": 1280, "height": 860}) as (context, _problems):
        page = context.new_page()
        page.goto("/docs")
        expect(page.get_by_role("heading", name="Chat Booking API")).to_be_visible(timeout=15_000)
        expect(page.get_by_text("/api/bookings", exact=True).first).to_be_visible()
        operation = page.get_by_role("button", name="POST /api/bookings", exact=False).first
        expect(operation).to_be_visible()


def test_the_docs_page_has_its_own_strict_policy_and_the_page_does_not_publish_swagger(live_server: str) -> None:
    answer = httpx.get(live_server + "/docs", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-security-policy"] == DOCS_POLICY
    assert "cdn" not in answer.text.lower() and "<script>" not in answer.text
    assert httpx.get(live_server + "/static/vendor/swagger-ui/swagger-ui-bundle.js", timeout=10).status_code == 404
