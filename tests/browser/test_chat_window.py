"""The chat window: the therapist from the link, the chat, the confirm dialogs, the recovery prompt,
validation, the autosave indicator, typing before Python is ready, and the phone layout.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import BOOT_TIMEOUT_MS, wait_ready
from tests.browser.helpers import (
    current_session,
    fill_booking,
    guarded_context,
    key,
    messages,
    open_window,
    raw_item,
    send_message,
    stored_draft,
    wait_for_stored_draft,
)
from tests.support.server import ROOT

CATALOG = json.loads((ROOT / "static" / "data" / "therapists.json").read_text())
PHONE = {"width": 390, "height": 844}


def therapist(therapist_id: str) -> dict:
    return next(t for t in CATALOG["therapists"] if t["id"] == therapist_id)


def price(amount: int) -> str:
    return f"{CATALOG['currency']} {amount:,}"


def no_horizontal_overflow(page: Page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]}px wide in a {widths[1]}px window"


# --- the therapist ---------------------------------------------------------------------------------


def test_the_therapist_from_the_link_is_shown_with_catalog_prices(app_page: Page) -> None:
    made = therapist("t-made")
    open_window(app_page, "/?therapist=t-made")
    expect(app_page.get_by_role("heading", level=1)).to_have_text(made["name"])
    expect(app_page).to_have_title(re.compile(made["name"]))
    for minutes in ("60", "90", "120"):
        radio = app_page.get_by_role("radio", name=re.compile(rf"^{minutes} min"))
        expect(radio).to_have_accessible_name(re.compile(re.escape(price(made["prices"][minutes]))))

    app_page.get_by_role("radio", name=re.compile("^90 min")).check()
    expect(app_page.get_by_text("Total")).to_contain_text(price(made["prices"]["90"]))


def test_without_a_therapist_in_the_link_the_first_one_is_shown(app_page: Page) -> None:
    first = CATALOG["therapists"][0]
    open_window(app_page)
    expect(app_page.get_by_role("heading", level=1)).to_have_text(first["name"])
    expect(app_page.get_by_role("radio", name=re.compile("^60 min"))).to_have_accessible_name(
        re.compile(re.escape(price(first["prices"]["60"]))))


def test_an_unknown_therapist_gets_a_friendly_message_not_a_crash(app_page: Page) -> None:
    open_window(app_page, "/?therapist=t-nobody")
    expect(app_page.locator("html")).to_have_attribute("data-app-state", "ready")
    notice = app_page.get_by_role("alert").filter(has_text="could not find the therapist")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("t-nobody")
    expect(app_page.get_by_role("button", name="Order now")).to_be_hidden()
    # app_page fails the test on any console error or pageerror.


# --- chatting --------------------------------------------------------------------------------------


def test_send_and_enter_send_a_message_and_shift_enter_starts_a_new_line(app_page: Page) -> None:
    open_window(app_page)
    box = app_page.get_by_label("Message")
    send_message(app_page, "Hello, are you free tomorrow?")
    expect(messages(app_page)).to_have_count(1)
    expect(box).to_have_value("")

    box.fill("Line one")
    box.press("Shift+Enter")
    box.press_sequentially("Line two")
    expect(box).to_have_value("Line one\nLine two")
    expect(messages(app_page)).to_have_count(1)  # Shift+Enter did not send
    box.press("Enter")

    expect(messages(app_page)).to_have_count(2)
    expect(messages(app_page).nth(1).locator(".message__text")).to_have_text("Line one\nLine two")
    expect(messages(app_page).nth(0)).to_contain_text("You")
    expect(box).to_have_value("")


def test_an_empty_message_is_not_sent(app_page: Page) -> None:
    open_window(app_page)
    app_page.get_by_label("Message").fill("   ")
    app_page.get_by_role("button", name="Send").click()
    expect(app_page.get_by_text("No messages yet")).to_be_visible()
    expect(messages(app_page)).to_have_count(0)


def test_messages_survive_a_reload(app_page: Page) -> None:
    open_window(app_page)
    send_message(app_page, "First message")
    send_message(app_page, "Second message")
    app_page.reload()
    wait_ready(app_page)
    expect(messages(app_page).locator(".message__text")).to_have_text(["First message", "Second message"])


def test_the_chat_scroll_position_is_restored_after_a_reload(app_page: Page) -> None:
    open_window(app_page)
    box = app_page.get_by_label("Message")
    for number in range(30):
        box.fill(f"Message number {number}")
        box.press("Enter")
    expect(messages(app_page)).to_have_count(30)
    chat = app_page.get_by_role("list", name="Chat history")
    middle = chat.evaluate("list => { list.scrollTop = (list.scrollHeight - list.clientHeight) / 2;"
                           " return Math.round(list.scrollTop); }")
    assert middle > 100
    scroll_key = key(current_session(app_page), "scroll")
    app_page.wait_for_function("([k, v]) => { const raw = localStorage.getItem(k);"
                               " return raw && Math.abs(JSON.parse(raw).data - v) <= 3; }",
                               arg=[scroll_key, middle], timeout=15_000)  # written after the debounce

    app_page.reload()
    wait_ready(app_page)
    restored = chat.evaluate("list => list.scrollTop")
    assert abs(restored - middle) <= 3


def test_html_in_a_message_is_shown_as_text_and_never_runs(app_page: Page) -> None:
    attack = '<img src=x onerror="window.__xss=1">'
    open_window(app_page)
    send_message(app_page, attack)
    expect(messages(app_page).locator(".message__text")).to_have_text(attack)
    app_page.reload()
    wait_ready(app_page)
    expect(messages(app_page).locator(".message__text")).to_have_text(attack)
    expect(app_page.get_by_role("list", name="Chat history").locator("img")).to_have_count(0)
    assert app_page.evaluate("() => window.__xss") is None


# --- the confirm dialogs ---------------------------------------------------------------------------


def test_reset_chat_after_confirming_clears_the_messages_and_keeps_the_draft(app_page: Page) -> None:
    open_window(app_page)
    fill_booking(app_page, name="Indah")
    send_message(app_page, "Hi there")
    app_page.get_by_role("button", name="Reset chat").click()
    dialog = app_page.get_by_role("dialog", name="Clear this chat?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Clear chat").click()

    expect(dialog).to_be_hidden()
    expect(messages(app_page)).to_have_count(0)
    expect(app_page.get_by_text("No messages yet")).to_be_visible()
    expect(app_page.get_by_label("Message")).to_be_focused()
    expect(app_page.get_by_label("Your name")).to_have_value("Indah")
    session = current_session(app_page)
    assert raw_item(app_page, key(session, "messages")) is None
    assert raw_item(app_page, key(session, "scroll")) is None
    assert wait_for_stored_draft(app_page, customer_name="Indah")["location_type"] == "hotel"

    app_page.reload()
    wait_ready(app_page)
    expect(messages(app_page)).to_have_count(0)
    expect(app_page.get_by_label("Your name")).to_have_value("Indah")


def test_keep_chat_leaves_the_messages(app_page: Page) -> None:
    open_window(app_page)
    send_message(app_page, "Please keep me")
    app_page.get_by_role("button", name="Reset chat").click()
    app_page.get_by_role("dialog").get_by_role("button", name="Keep chat").click()
    expect(app_page.get_by_role("dialog")).to_be_hidden()
    expect(messages(app_page)).to_have_count(1)
    app_page.reload()
    wait_ready(app_page)
    expect(messages(app_page)).to_have_count(1)


def test_escape_closes_the_reset_dialog_without_clearing(app_page: Page) -> None:
    open_window(app_page)
    send_message(app_page, "Still here")
    app_page.get_by_role("button", name="Reset chat").click()
    expect(app_page.get_by_role("dialog")).to_be_visible()
    app_page.keyboard.press("Escape")
    expect(app_page.get_by_role("dialog")).to_be_hidden()
    expect(messages(app_page)).to_have_count(1)


def test_cancel_booking_after_confirming_deletes_the_draft_and_keeps_the_chat(app_page: Page) -> None:
    open_window(app_page)
    send_message(app_page, "I would like to book")
    fill_booking(app_page, name="Joko")
    wait_for_stored_draft(app_page, customer_name="Joko")

    app_page.get_by_role("button", name="Cancel booking").click()
    dialog = app_page.get_by_role("dialog", name="Delete this booking draft?")
    dialog.get_by_role("button", name="Keep draft").click()
    expect(dialog).to_be_hidden()
    expect(app_page.get_by_label("Your name")).to_have_value("Joko")

    app_page.get_by_role("button", name="Cancel booking").click()
    dialog.get_by_role("button", name="Delete draft").click()
    expect(app_page.get_by_label("Your name")).to_have_value("")
    expect(app_page.get_by_label("Location")).to_have_value("")
    expect(app_page.get_by_role("radio", name=re.compile("^90 min"))).not_to_be_checked()
    expect(app_page.locator("#sync-status")).to_have_text("Your booking draft was deleted.")
    expect(messages(app_page)).to_have_count(1)
    session = current_session(app_page)
    assert raw_item(app_page, key(session, "draft")) is None
    assert raw_item(app_page, key(session, "draft:backup")) is None

    app_page.reload()
    wait_ready(app_page)
    expect(app_page.get_by_role("button", name="Continue booking")).to_be_hidden()
    expect(messages(app_page)).to_have_count(1)


# --- the recovery prompt ---------------------------------------------------------------------------


def _leave_a_draft(page: Page) -> None:
    open_window(page)
    fill_booking(page, name="Kadek", duration="60 min", location="Villa")
    wait_for_stored_draft(page, customer_name="Kadek", customer_whatsapp="+62 812 3456 7890")
    page.reload()
    wait_ready(page)


def test_an_earlier_draft_is_offered_and_continue_keeps_it(app_page: Page) -> None:
    _leave_a_draft(app_page)
    prompt = app_page.get_by_role("region", name="We found your previous booking draft")
    expect(prompt).to_contain_text("60 min with Ayu Lestari at a villa for myself (Kadek)")
    app_page.get_by_role("button", name="Continue booking").click()
    expect(prompt).to_be_hidden()
    expect(app_page.get_by_label("Your name")).to_have_value("Kadek")
    expect(app_page.get_by_label("Location")).to_have_value("villa")
    assert stored_draft(app_page)["customer_name"] == "Kadek"


def test_start_fresh_clears_the_fields_and_the_stored_draft(app_page: Page) -> None:
    _leave_a_draft(app_page)
    app_page.get_by_role("button", name="Start fresh").click()
    expect(app_page.get_by_role("region", name="We found your previous booking draft")).to_be_hidden()
    expect(app_page.get_by_label("Your name")).to_have_value("")
    expect(app_page.get_by_label("Your name")).to_be_focused()
    expect(app_page.get_by_label("WhatsApp number")).to_have_value("")
    expect(app_page.get_by_label("Location")).to_have_value("")
    expect(app_page.get_by_role("radio", name=re.compile("^60 min"))).not_to_be_checked()
    session = current_session(app_page)
    assert raw_item(app_page, key(session, "draft")) is None
    assert raw_item(app_page, key(session, "draft:backup")) is None
    app_page.reload()
    wait_ready(app_page)
    expect(app_page.get_by_role("button", name="Continue booking")).to_be_hidden()


# --- validation ------------------------------------------------------------------------------------


def test_ordering_an_empty_form_lists_the_errors_and_focuses_the_first_invalid_field(app_page: Page) -> None:
    open_window(app_page)
    app_page.get_by_role("button", name="Order now").click()
    alert = app_page.get_by_role("alert").filter(has_text="Please fix the following")
    expect(alert).to_be_visible()
    for message in ("Please choose a duration", "Your name is required", "WhatsApp number is required",
                    "Please choose a location", "Please choose who the massage is for"):
        expect(alert).to_contain_text(message)
    for label in ("Your name", "WhatsApp number", "Location", "Massage for"):
        expect(app_page.get_by_label(label)).to_have_attribute("aria-invalid", "true")
    expect(app_page.get_by_role("group", name="Duration")).to_have_attribute("aria-invalid", "true")
    # The duration comes first in the form, so it is the first thing to fix.
    expect(app_page.get_by_role("radio", name=re.compile("^60 min"))).to_be_focused()
    expect(alert.get_by_role("listitem").first).to_have_text("Please choose a duration")

    app_page.get_by_label("Your name").fill("Lina")
    expect(app_page.get_by_label("Your name")).not_to_have_attribute("aria-invalid", "true")


def test_a_complete_form_is_booked_and_confirmed(app_page: Page) -> None:
    open_window(app_page, "/?therapist=t-sari")
    fill_booking(app_page, name="Maya Sari", duration="120 min", location="Office", massage_for="A friend")
    app_page.get_by_role("button", name="Order now").click()
    confirmation = app_page.get_by_role("region", name="Request sent")
    expect(confirmation).to_be_visible(timeout=30_000)
    total = price(therapist("t-sari")["prices"]["120"])
    expect(confirmation).to_contain_text(f"120 min with Sari Dewi for {total}")
    expect(confirmation).to_be_focused()
    assert stored_draft(app_page, "t-sari") is None


# --- the autosave indicator ------------------------------------------------------------------------


def test_the_autosave_indicator_says_saving_then_saved_then_counts(app_page: Page) -> None:
    app_page.clock.install()
    open_window(app_page)
    app_page.clock.pause_at(app_page.evaluate("Date.now()") + 100)
    indicator = app_page.locator("#autosave-status")
    expect(indicator).to_have_text("Your draft is saved on this device as you type.")

    app_page.get_by_label("Your name").fill("Nyoman")
    expect(indicator).to_have_text("Saving…")
    app_page.clock.run_for(1_000)  # the debounce
    expect(indicator).to_have_text("Saved just now")
    app_page.clock.run_for(6_000)
    expect(indicator).to_have_text("Saved 6s ago")
    app_page.clock.run_for(60_000)
    expect(indicator).to_have_text("Saved 1 min ago")
    assert stored_draft(app_page)["customer_name"] == "Nyoman"


# --- typing before Python is ready ------------------------------------------------------------------


def test_what_is_typed_before_python_is_ready_is_kept_over_an_older_draft(browser: Browser,
                                                                        live_server: str) -> None:
    with guarded_context(browser, live_server, service_workers="block") as (context, _problems):
        first = context.new_page()
        open_window(first)
        fill_booking(first, name="Old Name", whatsapp="+62 812 0000 0001", location="Home")
        wait_for_stored_draft(first, customer_name="Old Name", customer_whatsapp="+62 812 0000 0001")
        first.close()

        page = context.new_page()
        held = []
        wasm = "**/pyodide.asm.wasm"
        page.route(wasm, lambda route: held.append(route))  # Python cannot start until we let it go
        page.goto("/")
        _wait_for(page, lambda: bool(held))
        expect(page.locator("html")).to_have_attribute("data-app-state", "loading")
        page.get_by_label("Your name").fill("New Name")
        expect(page.locator("html")).to_have_attribute("data-app-state", "loading")

        held[0].continue_()
        page.unroute(wasm)  # the reload below loads Python at once
        wait_ready(page)
        expect(page.get_by_label("Your name")).to_have_value("New Name")
        draft = wait_for_stored_draft(page, customer_name="New Name")
        assert draft["customer_whatsapp"] == "+62 812 0000 0001"  # the rest of the older draft stays
        expect(page.get_by_label("WhatsApp number")).to_have_value("+62 812 0000 0001")
        page.reload()
        wait_ready(page)
        expect(page.get_by_label("Your name")).to_have_value("New Name")


def _wait_for(page: Page, condition, timeout_ms: int = BOOT_TIMEOUT_MS) -> None:
    waited = 0
    while not condition():
        if waited > timeout_ms:
            pytest.fail("timed out")
        page.wait_for_timeout(50)  # lets Playwright dispatch the route handler
        waited += 50


# --- the phone layout ------------------------------------------------------------------------------


def test_the_phone_layout_never_scrolls_sideways(browser: Browser, live_server: str) -> None:
    with guarded_context(browser, live_server, viewport=PHONE, service_workers="block") as (context, _):
        page = context.new_page()
        open_window(page)
        no_horizontal_overflow(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        page.get_by_role("button", name="Order now").click()
        expect(page.get_by_role("alert").filter(has_text="Please fix")).to_be_visible()
        no_horizontal_overflow(page)

        send_message(page, "A very long word: " + "x" * 120)
        page.get_by_label("Your name").fill("Wayan " + "Sukadana" * 8)
        no_horizontal_overflow(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
