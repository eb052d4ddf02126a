"""Shared page helpers for the browser tests: storage keys, reading stored records, filling the form.

Everything a test *does* goes through labels and roles; these helpers only read
``localStorage`` (to prove what survives) and open guarded pages in contexts the
``app_context`` fixture cannot make (service workers blocked, init scripts, offline).

Example::

    open_window(page, "/?therapist=t-made")
    fill_booking(page, name="Ana Putri")
    wait_for_stored_draft(page, "t-made", customer_name="Ana Putri")
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser.conftest import PageProblems, trace_imports, wait_ready

PREFIX = "chatbooking:v1:"
CUSTOMER_ID_KEY = PREFIX + "customer_id"
FIRST_THERAPIST = "t-ayu"  # first in static/data/therapists.json
CSP_REPORTER = ("document.addEventListener('securitypolicyviolation', e => "
                "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));")
NOT_PERSISTENT = "your draft is only kept while this tab is open"
QUEUED_OFFLINE = "Booking queued — it will be sent when you're back online"
# What Chromium logs for a fetch that fails because the context is offline (not a page bug).
OFFLINE_CONSOLE_ERRORS = ("ERR_INTERNET_DISCONNECTED", "Failed to load resource")


def session_id(therapist_id: str, customer_id: str) -> str:
    return f"session_{therapist_id}_{customer_id}"


def key(session: str, kind: str) -> str:
    """``chatbooking:v1:<session>:<kind>``; kind: draft, draft:backup, draft:corrupt, messages, scroll."""
    return f"{PREFIX}{session}:{kind}"


def open_window(page: Page, path: str = "/") -> None:
    page.goto(path)
    wait_ready(page)


def customer_id(page: Page) -> str:
    value = page.evaluate("k => localStorage.getItem(k)", CUSTOMER_ID_KEY)
    assert value, "the page stored no customer id"
    return value


def current_session(page: Page, therapist_id: str = FIRST_THERAPIST) -> str:
    return session_id(therapist_id, customer_id(page))


def raw_item(page: Page, name: str) -> str | None:
    return page.evaluate("k => localStorage.getItem(k)", name)


def envelope(page: Page, name: str) -> dict[str, Any] | None:
    """The stored envelope ``{"schema", "checksum", "data"}`` under ``name``, or None."""
    raw = raw_item(page, name)
    return None if raw is None else json.loads(raw)


def stored_draft(page: Page, therapist_id: str = FIRST_THERAPIST) -> dict[str, Any] | None:
    record = envelope(page, key(current_session(page, therapist_id), "draft"))
    return None if record is None else record["data"]


def wait_for_stored_draft(page: Page, therapist_id: str = FIRST_THERAPIST, timeout: float = 15_000,
                          **fields: Any) -> dict[str, Any]:
    """Wait until the stored draft has every ``field=value`` (the debounce is 1 s); return its data."""
    draft_key = key(current_session(page, therapist_id), "draft")
    page.wait_for_function(
        """([k, fields]) => {
            const raw = localStorage.getItem(k);
            if (!raw) return false;
            const data = JSON.parse(raw).data;
            return Object.entries(fields).every(([name, value]) => data[name] === value);
        }""",
        arg=[draft_key, fields], timeout=timeout,
    )
    draft = stored_draft(page, therapist_id)
    assert draft is not None
    return draft


def fill_booking(page: Page, *, name: str = "Ana Putri", whatsapp: str = "+62 812 3456 7890",
                 duration: str = "90 min", location: str = "Hotel", massage_for: str = "Myself",
                 address: str = "Hotel Tugu, Jl. Pantai Batu Bolong, room 12", when: str = "As soon as possible") -> None:
    """Fill the booking form the way a customer does, through labels."""
    page.get_by_role("radio", name=duration).check()
    page.get_by_role("group", name="When").get_by_role("radio", name=when).check()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("WhatsApp number").fill(whatsapp)
    page.get_by_label("Location").select_option(label=location)
    page.get_by_label("Address").fill(address)
    page.get_by_label("Massage for").select_option(label=massage_for)


def send_message(page: Page, text: str) -> None:
    page.get_by_label("Message").fill(text)
    page.get_by_role("button", name="Send").click()


def messages(page: Page):
    """The chat's message rows (the empty-chat hint is not one)."""
    return page.get_by_role("list", name="Chat history").locator("li.message")


@contextlib.contextmanager
def guarded_context(browser: Browser, live_server: str, *, init_scripts: tuple[str, ...] = (),
                    allowed_console_errors: tuple[str, ...] = (),
                    **context_options: Any) -> Iterator[tuple[BrowserContext, PageProblems]]:
    """A context like ``app_context`` with extra options; every page opened with ``guarded_page``
    is watched, and the block fails on any problem (pageerror, console error, CSP, off-origin)."""
    options = {"viewport": {"width": 1280, "height": 800}, **context_options}
    context = browser.new_context(base_url=live_server, **options)
    context.add_init_script(CSP_REPORTER)
    for script in init_scripts:
        context.add_init_script(script)
    problems = PageProblems(live_server)
    problems.allowed_console_errors.extend(allowed_console_errors)
    context.on("page", problems.watch)
    try:
        yield context, problems
        for page in context.pages:
            trace_imports(page)
        problems.check()
    finally:
        context.close()
