"""Helpers for the booking-sync browser tests: fill the form, read the outbox, count bookings on the server.

Example::

    open_booking_page(page)
    name = unique_name()
    fill_booking(page, name)
    order(page)
    expect(confirmation(page)).to_be_visible(timeout=SYNC_TIMEOUT_MS)
    assert len(server_bookings(live_server, customer_id(page))) == 1
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, Request

from tests.browser.conftest import wait_ready
from tests.support.server import TEST_ADMIN_TOKEN

ADMIN_HEADERS = {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}
OUTBOX_KEY = "chatbooking:v1:outbox"
CUSTOMER_ID_KEY = "chatbooking:v1:customer_id"
HAS_BOOKED_KEY = "chatbooking:v1:customer_has_bookings"
WHATSAPP = "+62 812 3456 7890"
# Long enough for a retry on a busy 2-core machine; conditions are waited for, never slept on.
SYNC_TIMEOUT_MS = 30_000
QUEUED_OFFLINE_TEXT = "Booking queued — it will be sent when you're back online"
# What Chromium logs for a request that got no answer or an error status: expected in these tests.
NETWORK_CONSOLE_ERRORS = ["Failed to load resource", "net::ERR_INTERNET_DISCONNECTED", "net::ERR_FAILED"]


def unique_name() -> str:
    return f"Sync Tester {uuid.uuid4().hex[:8]}"


def open_booking_page(page: Page, path: str = "/") -> None:
    page.goto(path)
    wait_ready(page)


def fill_booking(page: Page, name: str, *, whatsapp: str = WHATSAPP, duration: str = "90 min",
                 location: str = "Hotel", massage_for: str = "Myself",
                 address: str = "Hotel Tugu, Jl. Pantai Batu Bolong, room 12", when: str = "As soon as possible") -> None:
    page.get_by_label("Your name").fill(name)
    page.get_by_label("WhatsApp number").fill(whatsapp)
    page.get_by_label(duration).check()
    page.get_by_role("group", name="When").get_by_role("radio", name=when).check()
    page.get_by_label("Location").select_option(label=location)
    page.get_by_label("Address").fill(address)
    page.get_by_label("Massage for").select_option(label=massage_for)


def order(page: Page) -> None:
    page.get_by_role("button", name="Order now").click()


def confirmation(page: Page) -> Locator:
    return page.get_by_role("region", name="Request sent")  # the request is stored; the therapist decides


def sync_status(page: Page) -> Locator:
    return page.locator("#sync-status")


def customer_id(page: Page) -> str:
    value = page.evaluate("key => localStorage.getItem(key)", CUSTOMER_ID_KEY)
    assert value, "the page has not stored a customer id"
    return value


def draft_key(page: Page, therapist_id: str = "t-ayu") -> str:
    return f"chatbooking:v1:session_{therapist_id}_{customer_id(page)}:draft"


def stored_draft(page: Page, therapist_id: str = "t-ayu") -> dict[str, Any] | None:
    """The draft as stored (the envelope's data), or None when there is none."""
    raw = page.evaluate("key => localStorage.getItem(key)", draft_key(page, therapist_id))
    if raw is None:
        return None
    value = json.loads(raw)
    return value.get("data", value) if isinstance(value, dict) else value


def outbox(page: Page) -> list[dict[str, Any]]:
    raw = page.evaluate("key => localStorage.getItem(key)", OUTBOX_KEY)
    return [] if raw is None else json.loads(raw)["data"]


def server_bookings(live_server: str, customer: str) -> list[dict[str, Any]]:
    """Every booking the server holds for this customer id, newest first."""
    response = httpx.get(live_server + "/api/bookings", params={"limit": 500}, headers=ADMIN_HEADERS,
                         timeout=10)
    response.raise_for_status()
    return [b for b in response.json()["bookings"] if b["booking"]["customer_id"] == customer]


def is_booking_post(request: Request) -> bool:
    return request.method == "POST" and request.url.split("?")[0].endswith("/api/bookings")


class PostLog:
    """Records the booking POSTs a page makes (every attempt, answered or not)."""

    def __init__(self) -> None:
        self.keys: list[str | None] = []

    def watch(self, page: Page) -> PostLog:
        page.on("request", self._request)
        return self

    def _request(self, request: Request) -> None:
        if is_booking_post(request):
            self.keys.append(request.headers.get("idempotency-key"))

    def __len__(self) -> int:
        return len(self.keys)
