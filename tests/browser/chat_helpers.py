"""Helpers for the chat browser tests: the therapist's side of the real API, over HTTP.

Example::

    ayu = TherapistApi(live_server, ayu_token)
    wait_until(lambda: ayu.messages(session))            # the customer's message arrived
    ayu.reply(session, "Yes, 3 pm is free")
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import Page

# Generous for a loaded 2-core machine; the figures that matter (p50/p99) are in `make bench`.
DELIVERY_TIMEOUT_MS = 20_000
OUTBOX_KEY = "chatbooking:v1:outbox"


class TherapistApi:
    def __init__(self, base_url: str, token: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=15,
                                   headers={"Authorization": f"Bearer {token}"})

    def conversations(self) -> list[dict[str, Any]]:
        response = self.client.get("/api/therapist/conversations")
        response.raise_for_status()
        return response.json()["conversations"]

    def messages(self, session: str) -> list[dict[str, Any]]:
        response = self.client.get(f"/api/therapist/conversations/{session}/messages")
        if response.status_code == 404:
            return []  # not started yet
        response.raise_for_status()
        return response.json()["messages"]

    def customer_texts(self, session: str) -> list[str]:
        return [m["message"] for m in self.messages(session) if m["sender_type"] == "customer"]

    def reply(self, session: str, text: str) -> dict[str, Any]:
        response = self.client.post(f"/api/therapist/conversations/{session}/messages",
                                    json={"id": uuid.uuid4().hex, "message": text})
        assert response.status_code == 201, response.text
        return response.json()

    def read(self, session: str) -> int:
        response = self.client.post(f"/api/therapist/conversations/{session}/read")
        response.raise_for_status()
        return response.json()["read_through"]

    def bookings(self, session: str) -> list[dict[str, Any]]:
        response = self.client.get(f"/api/therapist/conversations/{session}/bookings")
        response.raise_for_status()
        return response.json()["bookings"]


def wait_until(condition: Callable[[], Any], timeout_s: float = DELIVERY_TIMEOUT_MS / 1000,
               interval_s: float = 0.1) -> Any:
    """Poll ``condition`` until it is truthy (and return it); fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout_s} s: {condition}")
        time.sleep(interval_s)


def own_message(page: Page, text: str):
    """The customer's own list item holding ``text`` (its status is inside it)."""
    return page.get_by_role("list", name="Chat history").locator("li.message--customer", has_text=text)


def queued_messages(page: Page) -> int:
    return page.evaluate(f"""() => {{
        const raw = localStorage.getItem({OUTBOX_KEY!r});
        return raw ? JSON.parse(raw).data.filter(e => e.kind === "message").length : 0;
    }}""")
