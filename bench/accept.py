"""Therapist Accept → the customer's side hears "Booking confirmed": p50/p99 over 50 rounds.

The inbox (``inbox.html``) runs in Chromium against the real server started here; each round the
customer asks for the first free time over the real API (their token, ``POST /api/bookings``), the
request appears in the therapist's open conversation, the therapist clicks **Accept**, and the
customer's long poll
(``GET /api/conversations/{session}/messages?after=&wait=25``, what the customer's page runs) waits
for the system message whose event says ``confirmed``. The page records ``Date.now()`` just before the
click; the customer's side records the arrival with this machine's clock, so the difference is the
whole trip: outbox entry → POST → transition and system message → long-poll wake-up.

The server uses the tests' catalog (``tests/support/therapists.json``: Ayu works around the clock),
so 50 requests always find a free time whatever the hour.

Example::

    python -m bench.accept              # prints p50/p99 and the rounds
"""

from __future__ import annotations

import json
import secrets
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

from bench.delivery import READY, _token
from bench.page import launch
from bench.report import percentile

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "tests" / "support" / "therapists.json"
CLICK = """id => {
  const button = document.querySelector(`#bookings button[data-booking='${id}'][data-action='accept']`);
  const at = Date.now();
  button.click();
  return at;
}"""


class Customer:
    """One customer over the real API: a booking request, then a long poll for its confirmation."""

    def __init__(self, base_url: str) -> None:
        self.base_url, self.id = base_url, str(uuid.uuid4())
        self.auth = {"Authorization": f"Bearer {secrets.token_urlsafe(24)}"}
        self.session = f"session_t-ayu_{self.id}"
        self.heard_at: float | None = None

    def book(self) -> str:
        body = {"therapist_id": "t-ayu", "therapist_name": "", "customer_id": self.id,
                "customer_name": "Bench Customer", "customer_whatsapp": "+62 812 3456 7890", "duration": 60,
                "price": 350000, "location_type": "villa", "massage_for": "myself",
                "address": "Villa Bench, Ubud", "asap": True}
        answer = httpx.post(f"{self.base_url}/api/bookings", json=body, timeout=15,
                            headers={**self.auth, "Idempotency-Key": str(uuid.uuid4())})
        answer.raise_for_status()
        return answer.json()["id"]

    def cursor(self) -> str:
        answer = httpx.get(f"{self.base_url}/api/conversations/{self.session}/messages", headers=self.auth,
                           timeout=15)
        answer.raise_for_status()
        return answer.json()["cursor"]

    def wait_for_confirmed(self, booking_id: str, cursor: str, timeout_s: float = 30.0) -> None:
        """Long-poll as the customer's page does until the confirmation arrives; note when."""
        deadline = time.monotonic() + timeout_s
        with httpx.Client(timeout=40) as client:
            while time.monotonic() < deadline:
                answer = client.get(f"{self.base_url}/api/conversations/{self.session}/messages",
                                    params={"after": cursor, "wait": 25}, headers=self.auth)
                answer.raise_for_status()
                page = answer.json()
                for message in page["messages"]:
                    event = message.get("event") or {}
                    if event.get("booking_id") == booking_id and event.get("status") == "confirmed":
                        self.heard_at = time.time() * 1000
                        return
                cursor = page["cursor"]


def run_accept_bench(browser, base_url: str, token: str, rounds: int = 50) -> dict:
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 800})
    inbox = context.new_page()
    trips: list[float] = []
    to_server: list[float] = []  # click → the server stored the transition (its status_changed_at)
    try:
        inbox.goto("/inbox.html")
        inbox.wait_for_selector(READY, state="attached", timeout=120_000)
        inbox.get_by_label("Access token").fill(token)
        inbox.get_by_role("button", name="Sign in").click()
        # One customer asks again and again in one conversation, which stays open: the row measures
        # the answer, not opening conversations (that each one's closing ends its long poll at once is
        # tests/unit/inbox/test_bookings.py's).
        customer = Customer(base_url)
        customer.book()
        inbox.locator(f"#conversations button[data-session='{customer.session}']").click(timeout=30_000)
        for _ in range(rounds):
            customer.heard_at = None
            booking_id = customer.book()
            cursor = customer.cursor()
            inbox.locator(f"#bookings button[data-booking='{booking_id}'][data-action='accept']").wait_for(
                timeout=30_000)
            listener = threading.Thread(target=customer.wait_for_confirmed, args=(booking_id, cursor))
            listener.start()
            time.sleep(0.05)  # the long poll is waiting before the click
            clicked = inbox.evaluate(CLICK, booking_id)
            listener.join(timeout=40)
            if customer.heard_at is None:
                raise TimeoutError(f"the confirmation of {booking_id} never reached the customer")
            trips.append(customer.heard_at - clicked)
            stored = httpx.get(f"{base_url}/api/bookings/{booking_id}", headers=customer.auth, timeout=15).json()
            to_server.append(stored["status_changed_at"] - clicked)
    finally:
        context.close()
    return {"rounds": rounds, "trips_ms": trips, "to_server_ms": to_server, "p50": percentile(trips, 50),
            "p99": percentile(trips, 99), "to_server_p50": percentile(to_server, 50),
            "to_server_p99": percentile(to_server, 99)}


def measure(rounds: int = 50) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.support.server import GENEROUS_LIMITS, running_server

    with tempfile.TemporaryDirectory() as directory:
        database = Path(directory) / "bench.sqlite3"
        env = {"BOOKING_ADMIN_TOKEN": "", "CATALOG_PATH": str(CATALOG), **GENEROUS_LIMITS}
        with running_server(database, env=env) as base_url:
            token = _token(database)
            with sync_playwright() as playwright:
                browser = launch(playwright)
                try:
                    return run_accept_bench(browser, base_url, token, rounds)
                finally:
                    browser.close()


if __name__ == "__main__":
    result = measure()
    print(json.dumps({k: v for k, v in result.items() if k != "trips_ms"}, indent=2))
