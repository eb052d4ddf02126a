"""The draft manager in the page: what the customer types survives reloads, leaving, damage, full or
blocked storage, and a second tab.

Each test drives the form through its labels and reads ``localStorage`` only to prove what was kept.
"""

from __future__ import annotations

import json

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import wait_ready
from tests.browser.helpers import (
    NOT_PERSISTENT,
    current_session,
    envelope,
    fill_booking,
    guarded_context,
    key,
    open_window,
    raw_item,
    wait_for_stored_draft,
)

GARBAGE = '{"schema":1,"checksum":"00000000","data":{"customer_name":"Ana'  # a torn write
QUOTA_FULL = """
(() => {
  const setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (name, value) {
    if (String(name).startsWith('chatbooking:')) {
      throw new DOMException("Failed to execute 'setItem' on 'Storage': quota exceeded",
                             'QuotaExceededError');
    }
    return setItem.call(this, name, value);
  };
})();
"""
STORAGE_BLOCKED = """
Object.defineProperty(window, 'localStorage', {
  configurable: true,
  get() { throw new DOMException('The operation is insecure.', 'SecurityError'); },
});
"""


def expect_booking_fields(page: Page, *, name: str, whatsapp: str, duration: str, location: str,
                          massage_for: str) -> None:
    expect(page.get_by_label("Your name")).to_have_value(name)
    expect(page.get_by_label("WhatsApp number")).to_have_value(whatsapp)
    expect(page.get_by_role("radio", name=duration)).to_be_checked()
    expect(page.get_by_label("Location")).to_have_value(location)
    expect(page.get_by_label("Massage for")).to_have_value(massage_for)


def test_a_typed_draft_is_restored_after_a_reload(app_page: Page) -> None:
    open_window(app_page)
    fill_booking(app_page, name="Ana Putri", whatsapp="+62 812 1111 2222", duration="120 min",
                 location="Villa", massage_for="My partner")
    expect(app_page.get_by_role("status").filter(has_text="Saved")).to_be_visible(timeout=15_000)

    app_page.reload()
    wait_ready(app_page)
    prompt = app_page.get_by_role("region", name="We found your previous booking draft")
    expect(prompt).to_be_visible()
    expect(prompt).to_contain_text("120 min")
    app_page.get_by_role("button", name="Continue booking").click()

    expect(prompt).to_be_hidden()
    expect_booking_fields(app_page, name="Ana Putri", whatsapp="+62 812 1111 2222", duration="120 min",
                          location="villa", massage_for="partner")


def test_typing_and_leaving_at_once_loses_nothing(app_page: Page) -> None:
    """Leaving inside the 1 s debounce: the pagehide/visibilitychange flush writes the draft."""
    app_page.clock.install()
    open_window(app_page)
    app_page.clock.pause_at(app_page.evaluate("Date.now()") + 100)  # timers stop: the debounce never fires
    session = current_session(app_page)

    app_page.get_by_label("Your name").fill("Budi Santoso")
    app_page.get_by_label("WhatsApp number").fill("+62 813 0000 1111")
    expect(app_page.locator("#autosave-status")).to_have_text("Saving…")
    assert raw_item(app_page, key(session, "draft")) is None  # only in memory so far

    app_page.goto("about:blank")  # pagehide: the flush writes what the timer would have
    app_page.clock.resume()
    open_window(app_page)
    draft = json.loads(raw_item(app_page, key(session, "draft")))["data"]
    assert (draft["customer_name"], draft["customer_whatsapp"]) == ("Budi Santoso", "+62 813 0000 1111")
    expect(app_page.get_by_label("Your name")).to_have_value("Budi Santoso")
    expect(app_page.get_by_label("WhatsApp number")).to_have_value("+62 813 0000 1111")


def test_hiding_the_page_writes_the_draft_at_once(app_page: Page) -> None:
    app_page.clock.install()
    open_window(app_page)
    app_page.clock.pause_at(app_page.evaluate("Date.now()") + 100)
    draft_key = key(current_session(app_page), "draft")

    app_page.get_by_label("Your name").fill("Citra")
    stored = app_page.evaluate(
        """k => {
            const before = localStorage.getItem(k);
            Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});
            document.dispatchEvent(new Event('visibilitychange'));
            return [before, localStorage.getItem(k)];
        }""",
        draft_key,
    )
    assert stored[0] is None
    assert json.loads(stored[1])["data"]["customer_name"] == "Citra"


def test_a_corrupt_draft_is_restored_from_its_backup_and_the_bad_value_kept(app_page: Page) -> None:
    open_window(app_page)
    fill_booking(app_page, name="Dewi Lestari", whatsapp="+62 812 9999 0000", duration="60 min",
                 location="Home", massage_for="A friend")
    wait_for_stored_draft(app_page, customer_name="Dewi Lestari", customer_whatsapp="+62 812 9999 0000")
    session = current_session(app_page)
    app_page.evaluate("([k, v]) => localStorage.setItem(k, v)", [key(session, "draft"), GARBAGE])

    app_page.reload()
    wait_ready(app_page)
    expect(app_page.locator("#page-notice")).to_contain_text("damaged")  # the customer is told
    app_page.get_by_role("button", name="Continue booking").click()
    expect_booking_fields(app_page, name="Dewi Lestari", whatsapp="+62 812 9999 0000", duration="60 min",
                          location="home", massage_for="friend")
    corrupt = envelope(app_page, key(session, "draft:corrupt"))
    assert corrupt is not None and corrupt["data"]["raw"] == GARBAGE
    repaired = envelope(app_page, key(session, "draft"))
    assert repaired is not None and repaired["data"]["customer_name"] == "Dewi Lestari"


def test_the_health_line_counts_each_saved_draft_version(app_page: Page) -> None:
    open_window(app_page)
    version = app_page.get_by_text("Draft version:")
    expect(version).to_have_text("Draft version: –")

    app_page.get_by_label("Location").select_option(label="Hotel")  # a choice is saved at once
    expect(version).to_have_text("Draft version: 1")
    app_page.get_by_label("Massage for").select_option(label="Myself")
    expect(version).to_have_text("Draft version: 2")
    app_page.get_by_label("Your name").fill("Eka")  # typing is saved after the debounce
    expect(version).to_have_text("Draft version: 3", timeout=15_000)
    assert wait_for_stored_draft(app_page, customer_name="Eka")["version"] == 3


def test_full_storage_keeps_the_draft_in_this_tab_and_says_so(browser: Browser, live_server: str) -> None:
    with guarded_context(browser, live_server, service_workers="block",
                         init_scripts=(QUOTA_FULL,)) as (context, _problems):
        page = context.new_page()
        open_window(page)
        page.get_by_label("Your name").fill("Fajar")
        page.get_by_label("Location").select_option(label="Office")

        expect(page.locator("#autosave-status")).to_contain_text(NOT_PERSISTENT)
        expect(page.get_by_text("Storage: this tab only")).to_be_visible()
        expect(page.get_by_label("Your name")).to_have_value("Fajar")
        page.get_by_role("button", name="Order now").click()  # the form still works from memory
        expect(page.get_by_role("alert")).to_contain_text("WhatsApp number is required")
        assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('chatbooking:'))") == []


def test_blocked_storage_still_boots_and_books_from_memory(browser: Browser, live_server: str) -> None:
    with guarded_context(browser, live_server, service_workers="block",
                         init_scripts=(STORAGE_BLOCKED,)) as (context, _problems):
        page = context.new_page()
        open_window(page)
        expect(page.locator("html")).to_have_attribute("data-app-state", "ready")
        expect(page.locator("#autosave-status")).to_contain_text(NOT_PERSISTENT)

        fill_booking(page, name="Gita Pratiwi")
        page.get_by_label("Message").fill("Hello from a private window")
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_role("list", name="Chat history")).to_contain_text("Hello from a private window")
        page.get_by_role("button", name="Order now").click()
        expect(page.get_by_text("Request sent", exact=True)).to_be_visible(timeout=30_000)


def test_a_change_in_one_tab_appears_in_the_other(app_context: BrowserContext, app_page: Page,
                                                  page_problems) -> None:
    open_window(app_page)
    other = app_context.new_page()
    page_problems.watch(other)
    open_window(other)

    fill_booking(app_page, name="Hana", whatsapp="+62 811 2222 3333", duration="60 min",
                 location="Villa", massage_for="A family member")
    wait_for_stored_draft(app_page, customer_name="Hana", customer_whatsapp="+62 811 2222 3333")

    expect(other.get_by_label("Your name")).to_have_value("Hana")
    expect_booking_fields(other, name="Hana", whatsapp="+62 811 2222 3333", duration="60 min",
                          location="villa", massage_for="family")
    expect(other.get_by_text("Total")).to_contain_text("IDR 350,000")


def test_edits_to_different_fields_in_two_tabs_are_both_kept(app_context: BrowserContext, app_page: Page,
                                                             page_problems) -> None:
    open_window(app_page)
    other = app_context.new_page()
    page_problems.watch(other)
    open_window(other)

    other.get_by_label("WhatsApp number").fill("+62 811 4444 5555")  # tab 2: still in memory (debounce)
    app_page.get_by_label("Your name").fill("Iwan")  # tab 1 saves first
    wait_for_stored_draft(app_page, customer_name="Iwan")
    expect(other.get_by_label("Your name")).to_have_value("Iwan")
    expect(other.get_by_label("WhatsApp number")).to_have_value("+62 811 4444 5555")  # not overwritten

    wait_for_stored_draft(other, customer_name="Iwan", customer_whatsapp="+62 811 4444 5555")
    expect(app_page.get_by_label("WhatsApp number")).to_have_value("+62 811 4444 5555")
    expect(app_page.get_by_label("Your name")).to_have_value("Iwan")
