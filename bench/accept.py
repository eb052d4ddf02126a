"""Therapist Accept → the customer's page shows "Booking confirmed": p50/p99 over 50 rounds.

Both real pages run in Chromium against the real server started here. Each round the customer
orders "as soon as possible" on ``index.html`` (the form, Order now, Request sent), the request
appears in the therapist's open conversation in ``inbox.html``, the therapist clicks **Accept**,
and the customer's page shows ``Booking confirmed`` in "Your booking". Both pages are in one
browser, so one clock: the inbox records ``Date.now()`` just before the click, the customer's page
when the status text changes (a MutationObserver). The difference is the whole trip: the inbox's
outbox entry → POST → transition and system message → the customer's long poll → the page.

The server uses the tests' catalog (``tests/support/therapists.json``: Ayu works around the clock),
so 50 requests always find a free time whatever the hour.

Example::

    python -m bench.accept              # prints p50/p99 and the rounds
"""

from __future__ import annotations

import json
import tempfile
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


WATCH = """() => {
  window.__confirmedAt = null;
  const status = document.querySelector('#your-booking-status');
  const seen = () => { if (status.textContent.trim() === 'Booking confirmed' && window.__confirmedAt === null)
                         window.__confirmedAt = Date.now(); };
  new MutationObserver(seen).observe(status, {childList: true, characterData: true, subtree: true});
}"""


def order(customer, name: str) -> str:
    """Order "as soon as possible" on the customer's page; the booking's id once the server stored it."""
    from playwright.sync_api import expect

    from tests.browser.helpers import fill_booking

    another = customer.locator("#new-booking")
    if another.is_visible():
        another.click()
    fill_booking(customer, name=name, duration="60 min", location="Villa", address="Villa Bench, Ubud")
    customer.get_by_role("button", name="Order now").click()
    expect(customer.locator("#your-booking-status")).to_have_text("Waiting for Ayu Lestari to accept",
                                                                  timeout=30_000)
    return customer.locator("#confirmation-ref").inner_text()


def run_accept_bench(browser, base_url: str, token: str, rounds: int = 50) -> dict:
    inbox_context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 800})
    customer_context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 800})
    inbox, customer = inbox_context.new_page(), customer_context.new_page()
    trips: list[float] = []
    to_server: list[float] = []  # click → the server stored the transition (its status_changed_at)
    try:
        customer.goto("/?therapist=t-ayu")
        customer.wait_for_selector(READY, state="attached", timeout=120_000)
        inbox.goto("/inbox.html")
        inbox.wait_for_selector(READY, state="attached", timeout=120_000)
        inbox.get_by_label("Access token").fill(token)
        inbox.get_by_role("button", name="Sign in").click()
        # One customer asks again and again in one conversation, which stays open: the row measures
        # the answer, not opening conversations (that each one's closing ends its long poll at once is
        # tests/unit/inbox/test_bookings.py's).
        name = "Bench Customer"
        first = order(customer, name)
        inbox.locator("#conversations button", has_text=name).first.click(timeout=30_000)
        pending = [first]
        for _ in range(rounds):
            booking_id = pending.pop() if pending else order(customer, name)
            inbox.locator(f"#bookings button[data-booking='{booking_id}'][data-action='accept']").wait_for(
                timeout=30_000)
            customer.evaluate(WATCH)
            clicked = inbox.evaluate(CLICK, booking_id)
            customer.wait_for_function("() => window.__confirmedAt !== null", timeout=30_000)
            trips.append(customer.evaluate("() => window.__confirmedAt") - clicked)
            history = httpx.get(f"{base_url}/api/therapist/bookings", params={"status": "confirmed"},
                                headers={"Authorization": f"Bearer {token}"}, timeout=15).json()
            changed = next(b["status_changed_at"] for b in history["bookings"] if b["id"] == booking_id)
            to_server.append(changed - clicked)
    finally:
        inbox_context.close()
        customer_context.close()
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
