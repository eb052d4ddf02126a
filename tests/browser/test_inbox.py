"""The therapist's inbox (``inbox.html``) in Chromium against the real server.

Customers are played over HTTP (httpx) exactly as their page talks to the API: a customer token
as bearer, ``ChatMessage`` bodies, a booking with an Idempotency-Key. Therapist tokens come from
the operator CLI (``python -m backend therapist-token``) against this module's own database.
Every page fails its test on a page error, a console error or a CSP violation.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from app.domain import words
from tests.browser.conftest import PageProblems, wait_ready
from tests.browser.helpers import OFFLINE_CONSOLE_ERRORS, guarded_context
from tests.support.server import GENEROUS_LIMITS, ROOT, running_server

TOKEN_KEY = "chatbooking:v1:therapist_token"
SCREENSHOTS = ROOT / "screenshots"
HTTP_401 = "status of 401"  # Chromium logs every 401 answer as a console error


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("inbox") / "bookings.sqlite3"


@pytest.fixture(scope="module")
def live_server(database: Path) -> Iterator[str]:
    """This module's own server, so the operator CLI can write tokens into its database."""
    with running_server(database, env={"BOOKING_ADMIN_TOKEN": "", "CORS_ALLOW_ORIGINS": "", **GENEROUS_LIMITS}) as url:
        yield url


def cli_token(database: Path, therapist_id: str, *, revoke: bool = False) -> str:
    command = [sys.executable, "-m", "backend", "therapist-token", therapist_id, *(["--revoke"] if revoke else [])]
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, "DATABASE_URL": str(database)},
                            capture_output=True, text=True, timeout=30, check=True)
    return result.stdout.strip()


@dataclass
class Customer:
    """A customer's side of a conversation, spoken over HTTP as their page does."""

    base_url: str
    therapist_id: str = "t-ayu"

    def __post_init__(self) -> None:
        self.customer_id = str(uuid.uuid4())
        self.auth = {"Authorization": f"Bearer {secrets.token_urlsafe(24)}"}

    @property
    def session_id(self) -> str:
        return f"session_{self.therapist_id}_{self.customer_id}"

    def say(self, text: str) -> dict:
        body = {"id": "m-" + uuid.uuid4().hex, "sender_id": self.customer_id, "sender_type": "customer",
                "message": text, "timestamp": int(time.time() * 1000)}
        response = httpx.post(f"{self.base_url}/api/conversations/{self.session_id}/messages", json=body,
                              headers=self.auth, timeout=10)
        assert response.status_code == 201, response.text
        return response.json()

    def book(self, name: str = "Ana Putri", *, starts_at: str | None = None,
             address: str = "Villa Kayu, Jl. Raya Ubud 12, gate code 4411") -> dict:
        """A booking request for the first free time (or ``starts_at``), as the customer's page sends it."""
        body = {"therapist_id": self.therapist_id, "therapist_name": "", "customer_id": self.customer_id,
                "customer_name": name, "customer_whatsapp": "+62 812 3456 7890", "duration": 90,
                "price": 475000 if self.therapist_id == "t-ayu" else 550000, "location_type": "villa",
                "massage_for": "partner", "address": address,
                "starts_at": starts_at or free_start(self.base_url, self.therapist_id)}
        response = httpx.post(f"{self.base_url}/api/bookings", json=body, timeout=10,
                              headers={**self.auth, "Idempotency-Key": str(uuid.uuid4())})
        assert response.status_code == 201, response.text
        return response.json()

    def cancel(self, booking_id: str, reason: str = "") -> httpx.Response:
        return httpx.post(f"{self.base_url}/api/bookings/{booking_id}/cancel", json={"reason": reason}, timeout=10,
                          headers={**self.auth, "Idempotency-Key": str(uuid.uuid4())})

    def page(self) -> dict:
        response = httpx.get(f"{self.base_url}/api/conversations/{self.session_id}/messages",
                             headers=self.auth, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def wait_for(self, check, timeout_s: float = 5.0) -> dict:
        deadline = time.monotonic() + timeout_s
        while True:
            page = self.page()
            if check(page) or time.monotonic() > deadline:
                return page
            time.sleep(0.1)


def free_start(base_url: str, therapist_id: str = "t-ayu", duration: int = 90) -> str:
    """The therapist's first free start (the server's ``asap``), as ISO 8601 in their zone."""
    today = datetime.now(timezone.utc).date().isoformat()
    response = httpx.get(f"{base_url}/api/therapists/{therapist_id}/slots",
                         params={"date": today, "duration": duration}, timeout=10)
    assert response.status_code == 200, response.text
    start = response.json()["asap"]
    assert start, "the therapist has no free time left"
    return start


def sign_in(page: Page, token: str) -> None:
    page.goto("/inbox.html")
    wait_ready(page)
    page.get_by_label("Access token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("list", name="Conversations")).to_be_visible()


def conversation(page: Page, name: str):
    return page.get_by_role("list", name="Conversations").get_by_role("listitem").filter(has_text=name)


def log(page: Page):
    return page.get_by_role("log", name="Messages")


def test_a_wrong_token_gets_a_clear_message(app_page: Page, page_problems: PageProblems) -> None:
    page_problems.allowed_console_errors.append(HTTP_401)
    app_page.goto("/inbox.html")
    wait_ready(app_page)
    app_page.get_by_label("Access token").fill("not-a-real-token-" + uuid.uuid4().hex)
    app_page.get_by_role("button", name="Sign in").click()
    expect(app_page.get_by_role("alert").filter(has_text=words.INBOX_TOKEN_WRONG)).to_be_visible()
    expect(app_page.get_by_role("list", name="Conversations")).to_be_hidden()
    assert app_page.evaluate("k => localStorage.getItem(k)", TOKEN_KEY) is None


def test_the_therapist_reads_marks_read_sees_the_booking_and_replies_once(
        app_page: Page, live_server: str, database: Path) -> None:
    customer = Customer(live_server)
    created = customer.book("Wayan Sudra")
    first = customer.say("Hello! Is 3 pm free tomorrow?")
    sign_in(app_page, cli_token(database, "t-ayu"))

    row = conversation(app_page, "Wayan Sudra")
    expect(row).to_contain_text("Hello! Is 3 pm free tomorrow?")
    expect(row.get_by_role("button")).to_contain_text("1 unread")  # the badge's number, and what it counts

    row.get_by_role("button").click()
    expect(log(app_page)).to_contain_text("Hello! Is 3 pm free tomorrow?")
    read = customer.wait_for(lambda p: p["read_through"] >= first["seq"], timeout_s=5)
    assert read["read_through"] >= first["seq"]
    expect(row.locator(".conversation__unread")).to_have_count(0)

    bookings = app_page.get_by_role("list", name="Bookings", exact=True)
    for text in (created["id"], "90 min", "IDR 475,000", "Villa", "My partner", "Wayan Sudra", "+628123456789"):
        expect(bookings).to_contain_text(text)

    app_page.get_by_label("Reply").fill("Yes, 3 pm is free.\nSee you then!")
    # Written after the typing pause (debounced), before any reload could flush it:
    app_page.wait_for_function("() => Object.keys(localStorage).some((k) => k.endsWith(':reply'))")
    app_page.reload()
    wait_ready(app_page)
    conversation(app_page, "Wayan Sudra").get_by_role("button").click()
    expect(app_page.get_by_label("Reply")).to_have_value("Yes, 3 pm is free.\nSee you then!")

    app_page.get_by_role("button", name="Send reply").click()
    expect(app_page.get_by_label("Reply")).to_have_value("")
    expect(log(app_page).locator("li").filter(has_text="See you then!")).to_contain_text(words.MESSAGE_SENT)
    replies = [m for m in customer.page()["messages"] if m["sender_type"] == "therapist"]
    assert [m["message"] for m in replies] == ["Yes, 3 pm is free.\nSee you then!"]

    later = customer.say("Great, and can you bring oil?")
    expect(log(app_page)).to_contain_text("Great, and can you bring oil?", timeout=3_000)
    read = customer.wait_for(lambda p: p["read_through"] >= later["seq"], timeout_s=5)
    assert read["read_through"] >= later["seq"]


def test_enter_sends_and_shift_enter_starts_a_new_line(app_page: Page, live_server: str, database: Path) -> None:
    customer = Customer(live_server)
    customer.say("Hi there")
    sign_in(app_page, cli_token(database, "t-ayu"))
    conversation(app_page, "Hi there").get_by_role("button").click()
    box = app_page.get_by_label("Reply")
    box.type("Line one")
    box.press("Shift+Enter")
    box.type("Line two")
    box.press("Enter")
    expect(log(app_page).locator("li").filter(has_text="Line two")).to_contain_text(words.MESSAGE_SENT)
    replies = [m["message"] for m in customer.page()["messages"] if m["sender_type"] == "therapist"]
    assert replies == ["Line one\nLine two"]


def test_offline_a_reply_waits_for_network_and_is_delivered_once(
        app_context: BrowserContext, app_page: Page, page_problems: PageProblems, live_server: str,
        database: Path) -> None:
    page_problems.allowed_console_errors.extend(OFFLINE_CONSOLE_ERRORS)
    customer = Customer(live_server)
    customer.say("Are you free on Sunday?")
    sign_in(app_page, cli_token(database, "t-ayu"))
    conversation(app_page, "Are you free on Sunday?").get_by_role("button").click()
    expect(log(app_page)).to_contain_text("Are you free on Sunday?")

    app_context.set_offline(True)
    app_page.get_by_label("Reply").fill("Sunday works")
    app_page.get_by_role("button", name="Send reply").click()
    mine = log(app_page).locator("li").filter(has_text="Sunday works")
    expect(mine).to_contain_text(words.MESSAGE_WAITING)

    app_context.set_offline(False)
    expect(mine).to_contain_text(words.MESSAGE_SENT, timeout=15_000)
    expect(mine).not_to_contain_text(words.MESSAGE_WAITING)
    replies = [m["message"] for m in customer.page()["messages"] if m["sender_type"] == "therapist"]
    assert replies == ["Sunday works"]


def test_sign_out_returns_to_sign_in_and_removes_the_token(app_page: Page, database: Path) -> None:
    sign_in(app_page, cli_token(database, "t-ayu"))
    assert app_page.evaluate("k => localStorage.getItem(k)", TOKEN_KEY)
    app_page.reload()
    wait_ready(app_page)
    expect(app_page.get_by_role("list", name="Conversations")).to_be_visible()  # kept on the device

    app_page.get_by_role("button", name="Sign out").click()
    expect(app_page.get_by_label("Access token")).to_be_visible()
    expect(app_page.get_by_role("button", name="Sign out")).to_be_hidden()
    assert app_page.evaluate("k => localStorage.getItem(k)", TOKEN_KEY) is None
    app_page.reload()
    wait_ready(app_page)
    expect(app_page.get_by_label("Access token")).to_be_visible()


def test_a_revoked_token_returns_to_sign_in_and_keeps_the_reply_being_written(
        app_page: Page, page_problems: PageProblems, live_server: str, database: Path) -> None:
    page_problems.allowed_console_errors.append(HTTP_401)
    customer = Customer(live_server, therapist_id="t-made")  # revoking must not touch the other tests' Ayu
    customer.say("Hello Made")
    sign_in(app_page, cli_token(database, "t-made"))
    conversation(app_page, "Hello Made").get_by_role("button").click()
    app_page.get_by_label("Reply").fill("Half a reply")

    cli_token(database, "t-made", revoke=True)
    customer.say("Are you there?")  # the open polls' next answers are 401s
    expect(app_page.get_by_role("alert").filter(has_text="no longer valid")).to_be_visible(timeout=10_000)
    expect(app_page.get_by_label("Access token")).to_be_visible()
    assert app_page.evaluate("k => localStorage.getItem(k)", TOKEN_KEY) is None

    sign_in(app_page, cli_token(database, "t-made"))
    conversation(app_page, "Are you there?").get_by_role("button").click()
    expect(app_page.get_by_label("Reply")).to_have_value("Half a reply")


def test_the_inbox_opens_offline_after_one_visit_with_the_last_list(
        app_context: BrowserContext, app_page: Page, page_problems: PageProblems, live_server: str,
        database: Path) -> None:
    from tests.browser.test_offline import controlled  # noqa: PLC0415 - its fixture regenerates sw.js

    page_problems.allowed_console_errors.extend(OFFLINE_CONSOLE_ERRORS)
    customer = Customer(live_server)
    customer.book("Offline Olga")
    sign_in(app_page, cli_token(database, "t-ayu"))
    expect(conversation(app_page, "Offline Olga")).to_be_visible()
    controlled(app_page)

    app_context.set_offline(True)
    app_page.reload()
    wait_ready(app_page)
    expect(app_page.locator("html")).to_have_attribute("data-app-state", "ready")
    expect(conversation(app_page, "Offline Olga")).to_be_visible()
    expect(app_page.get_by_role("status").filter(has_text=words.INBOX_OFFLINE_LIST)).to_be_visible(
        timeout=15_000)


@pytest.mark.parametrize("viewport, size", [("phone", {"width": 390, "height": 844}),
                                            ("desktop", {"width": 1280, "height": 800})])
def test_screenshots_of_the_inbox(browser: Browser, live_server: str, database: Path, viewport: str,
                                  size: dict[str, int]) -> None:
    customer = Customer(live_server)
    customer.book("Ana Putri")
    customer.say("Hi Ayu! Is tomorrow at 10:00 possible at my villa in Ubud?")
    other = Customer(live_server)
    other.say("Do you do hot stone massage?")
    with guarded_context(browser, live_server, viewport=size, service_workers="block",
                         allowed_console_errors=OFFLINE_CONSOLE_ERRORS) as (context, _problems):
        page = context.new_page()
        page.goto("/inbox.html")
        wait_ready(page)
        shoot(page, viewport, "1-sign-in", size)
        sign_in(page, cli_token(database, "t-ayu"))
        newest = conversation(page, "Ana Putri").first  # the phone run booked an Ana Putri too
        expect(newest).to_be_visible()
        shoot(page, viewport, "2-conversations", size)
        newest.get_by_role("button").click()
        expect(log(page)).to_contain_text("Is tomorrow at 10:00 possible")
        page.get_by_label("Reply").fill("Yes, 10:00 works. See you then!")
        page.get_by_role("button", name="Send reply").click()
        expect(log(page).locator("li").filter(has_text="See you then")).to_contain_text(words.MESSAGE_SENT)
        page.get_by_label("Reply").fill("I will bring the oils.")
        shoot(page, viewport, "3-conversation", size)
        context.set_offline(True)
        page.get_by_role("button", name="Send reply").click()
        expect(log(page).locator("li").filter(has_text="the oils")).to_contain_text(words.MESSAGE_WAITING)
        shoot(page, viewport, "4-waiting-for-network", size)
        context.set_offline(False)
        expect(log(page).locator("li").filter(has_text="the oils")).to_contain_text(words.MESSAGE_SENT,
                                                                                  timeout=15_000)


def shoot(page: Page, viewport: str, name: str, size: dict[str, int]) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.evaluate("document.activeElement && document.activeElement.blur && document.activeElement.blur()")
    page.screenshot(path=SCREENSHOTS / f"inbox-{viewport}-{name}.png", full_page=True, animations="disabled",
                    caret="hide")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= size["width"], f"{name}: the page is {width}px wide"
