"""Message delivery latency between two real pages: customer send → inbox shows it, and back.

The customer page (``index.html``) and the therapist's inbox (``inbox.html``) run in two browser
contexts (two devices) against the real server started here. Each page records, with a
MutationObserver, the ``Date.now()`` at which every message text first appears; the sending page
records ``Date.now()`` just before it clicks Send. Both pages share this machine's clock, so the
difference is the whole trip: outbox → POST → server → long-poll wake-up → DOM.

Example::

    python -m bench.delivery            # 50 round trips, prints p50/p99 of both directions
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.page import launch
from bench.report import percentile

ROOT = Path(__file__).resolve().parent.parent
READY = "html[data-app-state='ready']"
# Installed in both pages: when did each message text first show up?
OBSERVER = """
window.__seen = {};
new MutationObserver(() => {
  const now = Date.now();
  for (const node of document.querySelectorAll('.message__text')) {
    const text = node.textContent;
    if (text && !(text in window.__seen)) window.__seen[text] = now;
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""
SEND = """([box, button, text]) => {
  const area = document.getElementById(box);
  area.value = text;
  area.dispatchEvent(new Event('input', {bubbles: true}));
  const at = Date.now();
  document.getElementById(button).click();
  return at;
}"""


def _token(database: Path) -> str:
    result = subprocess.run([sys.executable, "-m", "backend", "therapist-token", "t-ayu"], cwd=ROOT,
                            env={**os.environ, "DATABASE_URL": str(database)}, capture_output=True,
                            text=True, timeout=60, check=True)
    return result.stdout.strip()


def _seen(page, needle: str, timeout_s: float = 30.0) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        at = page.evaluate("n => { for (const [t, at] of Object.entries(window.__seen)) "
                           "if (t.includes(n)) return at; return null; }", needle)
        if at is not None:
            return at
        time.sleep(0.005)
    raise TimeoutError(f"{needle!r} never appeared")


def run_delivery_bench(browser, base_url: str, token: str, round_trips: int = 50) -> dict:
    customer_context = browser.new_context(base_url=base_url)
    inbox_context = browser.new_context(base_url=base_url)
    for context in (customer_context, inbox_context):
        context.add_init_script(OBSERVER)
    customer, inbox = customer_context.new_page(), inbox_context.new_page()
    try:
        customer.goto("/?therapist=t-ayu")
        customer.wait_for_selector(READY, state="attached", timeout=120_000)
        customer.evaluate(SEND, ["message", "send", "hello, opening the conversation"])
        session = customer.evaluate("() => 'session_t-ayu_' + localStorage.getItem('chatbooking:v1:customer_id')")
        inbox.goto("/inbox.html")
        inbox.wait_for_selector(READY, state="attached", timeout=120_000)
        inbox.get_by_label("Access token").fill(token)
        inbox.get_by_role("button", name="Sign in").click()
        inbox.locator(f"#conversations button[data-session='{session}']").click(timeout=30_000)
        _seen(inbox, "hello, opening the conversation")
        to_inbox, to_customer = [], []
        for n in range(round_trips):
            sent = customer.evaluate(SEND, ["message", "send", f"ping {n:03d}"])
            to_inbox.append(_seen(inbox, f"ping {n:03d}") - sent)
            sent = inbox.evaluate(SEND, ["reply", "send-reply", f"pong {n:03d}"])
            to_customer.append(_seen(customer, f"pong {n:03d}") - sent)
    finally:
        customer_context.close()
        inbox_context.close()
    return {"round_trips": round_trips, "to_inbox_ms": to_inbox, "to_customer_ms": to_customer,
            "to_inbox_p50": percentile(to_inbox, 50), "to_inbox_p99": percentile(to_inbox, 99),
            "to_customer_p50": percentile(to_customer, 50), "to_customer_p99": percentile(to_customer, 99)}


def measure(round_trips: int = 50) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.support.server import GENEROUS_LIMITS, running_server

    with tempfile.TemporaryDirectory() as directory:
        database = Path(directory) / "bench.sqlite3"
        with running_server(database, env={"BOOKING_ADMIN_TOKEN": "", **GENEROUS_LIMITS}) as base_url:
            token = _token(database)
            with sync_playwright() as playwright:
                browser = launch(playwright)
                try:
                    return run_delivery_bench(browser, base_url, token, round_trips)
                finally:
                    browser.close()


if __name__ == "__main__":
    result = measure()
    print(json.dumps({k: v for k, v in result.items() if not k.endswith("_ms")}, indent=2))
