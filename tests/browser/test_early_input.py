"""What the customer types before Python has started is kept on the device at once (static/js/boot.js).

Python is held back by never answering the request for ``pyodide.asm.wasm`` (``page.route``),
so every step before "ready" is really before Python runs. The record is
``chatbooking:v1:early_input``: ``{"fields": {...}, "message": "...", "at": <ms>}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.browser.conftest import BOOT_TIMEOUT_MS, wait_ready
from tests.browser.helpers import (
    PREFIX,
    fill_booking,
    guarded_context,
    messages,
    open_window,
    raw_item,
    wait_for_stored_draft,
)

EARLY_INPUT_KEY = PREFIX + "early_input"
WASM = "**/pyodide.asm.wasm"


def open_held(context: BrowserContext, path: str = "/") -> tuple[Page, Callable[[], None]]:
    """A page whose Python cannot start until the returned function lets the runtime through."""
    page = context.new_page()
    held: list[Route] = []
    page.route(WASM, lambda route: held.append(route))
    page.goto(path)
    waited = 0
    while not held:  # boot.js and the form are live; PyScript is waiting for the runtime
        if waited > BOOT_TIMEOUT_MS:
            pytest.fail("the page never asked for the runtime")
        page.wait_for_timeout(50)
        waited += 50
    expect(page.locator("html")).to_have_attribute("data-app-state", "loading")

    def release() -> None:
        held[0].continue_()
        page.unroute(WASM)  # a reload loads Python at once

    return page, release


def early_record(page: Page) -> dict | None:
    raw = raw_item(page, EARLY_INPUT_KEY)
    return None if raw is None else json.loads(raw)


def test_the_form_typed_before_python_starts_survives_closing_the_page(browser: Browser,
                                                                      live_server: str) -> None:
    with guarded_context(browser, live_server, service_workers="block") as (context, _problems):
        first, _release = open_held(context)
        first.get_by_role("radio", name="90 min").check()
        first.get_by_label("Your name").fill("Early Ana")
        first.get_by_label("Location").select_option(label="Villa")
        record = early_record(first)  # written at once, by boot.js alone
        assert record is not None and record["fields"] == {
            "duration": "90", "customer_name": "Early Ana", "location_type": "villa"}
        assert isinstance(record["at"], int)
        expect(first.locator("html")).to_have_attribute("data-app-state", "loading")
        first.close()  # Python never ran on this page

        again, release = open_held(context)
        # Put back before Python starts:
        expect(again.get_by_label("Your name")).to_have_value("Early Ana")
        expect(again.get_by_label("Location")).to_have_value("villa")
        expect(again.get_by_role("radio", name="90 min")).to_be_checked()
        release()
        wait_ready(again)
        draft = wait_for_stored_draft(again, customer_name="Early Ana", location_type="villa", duration=90)
        assert draft["price"] is not None  # the catalog price follows the restored duration
        assert early_record(again) is None
        expect(again.get_by_label("Your name")).to_have_value("Early Ana")
        again.reload()
        wait_ready(again)
        expect(again.get_by_label("Your name")).to_have_value("Early Ana")


def test_a_message_typed_before_python_starts_is_back_in_the_box_unsent(browser: Browser,
                                                                       live_server: str) -> None:
    with guarded_context(browser, live_server, service_workers="block") as (context, _problems):
        first, _release = open_held(context)
        first.get_by_label("Message").fill("Is 3 pm free tomorrow?")
        assert early_record(first)["message"] == "Is 3 pm free tomorrow?"
        first.close()

        again, release = open_held(context)
        expect(again.get_by_label("Message")).to_have_value("Is 3 pm free tomorrow?")
        release()
        wait_ready(again)
        expect(again.get_by_label("Message")).to_have_value("Is 3 pm free tomorrow?")
        expect(messages(again)).to_have_count(0)  # kept in the box, not sent for them
        assert early_record(again) is None


def test_an_early_record_older_than_the_stored_draft_does_not_overwrite_it(browser: Browser,
                                                                         live_server: str) -> None:
    with guarded_context(browser, live_server, service_workers="block") as (context, _problems):
        page = context.new_page()
        open_window(page)
        fill_booking(page, name="Newer Name")
        wait_for_stored_draft(page, customer_name="Newer Name")
        page.evaluate("""(key) => localStorage.setItem(key, JSON.stringify(
            {fields: {customer_name: "Stale Name"}, message: "", at: Date.now() - 3600 * 1000}))""",
                      EARLY_INPUT_KEY)
        page.reload()
        wait_ready(page)
        expect(page.get_by_label("Your name")).to_have_value("Newer Name")
        assert wait_for_stored_draft(page)["customer_name"] == "Newer Name"
        assert early_record(page) is None
