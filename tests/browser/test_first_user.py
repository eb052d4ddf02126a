"""What a careful first user trips over (issue 21), checked the way they meet it: through labels and roles.

Layout claims are measured (an element's box inside the viewport), not eyeballed. Every page here
fails its test on a page error, a console error or a CSP violation (``app_page``/``guarded_context``).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from app.domain import words
from tests.browser.helpers import fill_booking, guarded_context, open_window

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


def error_list(page: Page):
    return page.get_by_role("alert").filter(has_text=words.FIX_BEFORE_ORDERING)


def in_viewport(page: Page, locator) -> bool:
    """The element's whole box is inside the viewport (as the person sees the screen now)."""
    box = locator.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    return (box["x"] >= -0.5 and box["y"] >= -0.5 and box["x"] + box["width"] <= size["width"] + 0.5
            and box["y"] + box["height"] <= size["height"] + 0.5)


# --- 1. the error list follows the fields -------------------------------------------------------


def test_the_error_list_follows_the_fields_until_the_next_order(app_page: Page) -> None:
    open_window(app_page)
    app_page.get_by_role("button", name="Order now").click()
    errors = error_list(app_page)
    expect(errors.get_by_role("listitem")).to_have_count(7)

    app_page.get_by_role("radio", name=re.compile("^90 min")).check()
    app_page.get_by_label("Your name").fill("Ana Putri")
    app_page.get_by_label("WhatsApp number").fill("+62 812 3456 7890")
    expect(errors.get_by_role("listitem")).to_have_text([
        "Please choose when: as soon as possible, or a time", "Please choose a location",
        "Please choose who the massage is for", "Your address is required: the place and how to find it"])
    expect(app_page.get_by_label("Your name")).not_to_have_attribute("aria-invalid", "true")
    expect(app_page.get_by_label("Location")).to_have_attribute("aria-invalid", "true")
    expect(app_page.get_by_label("WhatsApp number")).to_be_focused()  # following the list never moves focus

    app_page.get_by_label("Your name").fill("")  # wrong again: not added until the next Order now
    expect(errors.get_by_role("listitem")).to_have_count(4)
    app_page.get_by_role("radio", name="As soon as possible").check()
    app_page.get_by_label("Location").select_option(label="Hotel")
    app_page.get_by_label("Massage for").select_option(label="Myself")
    app_page.get_by_label("Address").fill("Hotel Tugu, room 12")
    expect(errors).to_be_hidden()

    app_page.get_by_role("button", name="Order now").click()
    expect(errors.get_by_role("listitem")).to_have_text(["Your name is required"])
    app_page.get_by_label("Your name").fill("Ana Putri")
    expect(errors).to_be_hidden()


# --- 2. on a phone, the way to the booking form is in sight -------------------------------------


def test_on_a_phone_book_a_session_is_in_sight_and_takes_the_focus_to_the_form(
        browser: Browser, live_server: str) -> None:
    with guarded_context(browser, live_server, viewport=PHONE, has_touch=True, is_mobile=True,
                         service_workers="block") as (context, _problems):
        page = context.new_page()
        open_window(page)
        go = page.get_by_role("link", name="Book a session")
        assert in_viewport(page, go)
        chat = page.get_by_role("list", name="Chat history")
        assert chat.bounding_box()["height"] < 120  # an empty chat is a line, not a tall empty box
        assert in_viewport(page, page.get_by_role("heading", name="Book a session"))

        go.click()
        heading = page.get_by_role("heading", name="Book a session")
        expect(heading).to_be_focused()
        assert in_viewport(page, heading)
        page.keyboard.press("Tab")  # the next stop is the form's first choice
        expect(page.get_by_role("radio", name=re.compile("^60 min"))).to_be_focused()


def test_on_a_desktop_the_form_is_beside_the_chat_and_needs_no_shortcut(browser: Browser, live_server: str) -> None:
    with guarded_context(browser, live_server, viewport=DESKTOP, service_workers="block") as (context, _problems):
        page = context.new_page()
        open_window(page)
        expect(page.get_by_role("link", name="Book a session")).to_be_hidden()
        assert in_viewport(page, page.get_by_role("button", name="Order now"))


# --- 4. "Cancel booking" only when there is a draft to discard ----------------------------------


def test_cancel_booking_shows_only_with_a_draft_and_the_reset_dialog_mentions_a_draft_only_then(
        app_page: Page) -> None:
    open_window(app_page)
    cancel = app_page.get_by_role("button", name="Cancel booking")
    expect(app_page.get_by_role("button", name="Order now")).to_be_visible()
    expect(cancel).to_be_hidden()
    app_page.get_by_role("button", name="Reset chat").click()
    dialog = app_page.get_by_role("dialog", name="Clear this chat?")
    expect(dialog).to_contain_text(words.RESET_CHAT)
    expect(dialog).not_to_contain_text("booking draft")
    dialog.get_by_role("button", name="Keep chat").click()

    app_page.get_by_role("radio", name=re.compile("^60 min")).check()
    expect(cancel).to_be_visible()
    app_page.get_by_role("button", name="Reset chat").click()
    expect(dialog).to_contain_text(words.RESET_CHAT_DRAFT_STAYS)
    dialog.get_by_role("button", name="Keep chat").click()

    cancel.click()
    app_page.get_by_role("dialog", name="Delete this booking draft?").get_by_role("button", name="Delete draft").click()
    expect(app_page.locator("#sync-status")).to_have_text(words.DRAFT_DELETED)
    expect(cancel).to_be_hidden()
    expect(app_page.get_by_role("heading", name="Book a session")).to_be_focused()


# --- 5. the confirmation is easy to use ---------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_confirmation_has_a_one_line_reference_to_copy_and_says_each_detail_once(
        browser: Browser, live_server: str, viewport: str) -> None:
    with guarded_context(browser, live_server, viewport=VIEWPORTS[viewport], service_workers="block",
                         permissions=["clipboard-read", "clipboard-write"]) as (context, _problems):
        page = context.new_page()
        open_window(page)
        fill_booking(page, name="Ana Putri", whatsapp="+6281234567890", duration="90 min", location="Hotel",
                     massage_for="My partner", address="Villa Kayu, gate code 4411")
        page.get_by_role("button", name="Order now").click()
        confirmation = page.get_by_role("region", name="Request sent")
        expect(confirmation).to_be_visible(timeout=30_000)

        reference = confirmation.get_by_label("Booking reference")
        expect(reference).to_have_text(re.compile(r"^bk_[\w-]+$"))
        lines = reference.evaluate("el => el.getClientRects().length")
        box = reference.bounding_box()
        assert lines == 1 and box["height"] < 40, "the reference wraps"
        assert in_viewport(page, reference)
        confirmation.get_by_role("button", name="Copy reference").click()
        expect(confirmation.get_by_role("status")).to_have_text(words.REFERENCE_COPIED)
        assert page.evaluate("navigator.clipboard.readText()") == reference.text_content()

        for term, value in (("Location", "Hotel"), ("Address", "Villa Kayu, gate code 4411"),
                            ("Massage for", "My partner"), ("Name", "Ana Putri"), ("WhatsApp", "+62 812 3456 7890")):
            expect(confirmation.get_by_role("term").filter(has_text=term).first).to_be_visible()
            expect(confirmation.get_by_role("definition").filter(has_text=value)).to_have_count(1)
        expect(confirmation).to_contain_text("90 min with Ayu Lestari")
        text = confirmation.inner_text()
        assert text.count("WhatsApp") == 1, text  # the number's label, once
        assert "+6281234567890" not in text


# --- 6. an API that is not there is not "Waiting for network" -----------------------------------

WRONG_API_BASE = """new MutationObserver((changes, observer) => {
  const meta = document.querySelector('meta[name="chatbooking:api-base"]');
  if (meta) { meta.content = './no-api-here'; observer.disconnect(); }
}).observe(document, {childList: true, subtree: true});"""


def test_with_the_network_up_and_no_api_a_message_says_the_service_is_unavailable(
        browser: Browser, live_server: str) -> None:
    """A wrong ``chatbooking:api-base``: the real server answers 404/405 for it, as a host without the API does."""
    with guarded_context(browser, live_server, service_workers="block", init_scripts=(WRONG_API_BASE,),
                         allowed_console_errors=("Failed to load resource",)) as (context, _problems):
        page = context.new_page()
        open_window(page)
        page.get_by_label("Message").fill("Hello, is anyone there?")
        page.get_by_role("button", name="Send").click()
        bubble = page.get_by_role("list", name="Chat history").get_by_role("listitem").filter(
            has_text="Hello, is anyone there?")
        expect(bubble).to_contain_text(words.MESSAGE_UNAVAILABLE)
        expect(bubble).not_to_contain_text(words.MESSAGE_WAITING)
        assert page.evaluate("navigator.onLine")


# --- 3. Enter on a touch keyboard ---------------------------------------------------------------


def test_on_a_touch_keyboard_enter_starts_a_new_line_and_send_sends(browser: Browser, live_server: str) -> None:
    with guarded_context(browser, live_server, viewport=PHONE, has_touch=True, is_mobile=True,
                         service_workers="block") as (context, _problems):
        page = context.new_page()
        open_window(page)
        box = page.get_by_label("Message")
        expect(page.get_by_text(words.CHAT_HINT_TOUCH)).to_be_visible()
        expect(page.get_by_text(words.CHAT_HINT_KEYBOARD)).to_have_count(0)
        box.type("Two lines")
        box.press("Enter")
        box.type("from a phone")
        expect(box).to_have_value("Two lines\nfrom a phone")
        expect(page.get_by_role("list", name="Chat history").locator("li.message")).to_have_count(0)
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_role("list", name="Chat history").locator(".message__text")).to_have_text(
            "Two lines\nfrom a phone")


def test_on_a_physical_keyboard_enter_sends_and_the_hint_says_so(app_page: Page) -> None:
    open_window(app_page)
    expect(app_page.get_by_text(words.CHAT_HINT_KEYBOARD)).to_be_visible()
    box = app_page.get_by_label("Message")
    box.type("One line")
    box.press("Enter")
    expect(box).to_have_value("")
    expect(app_page.get_by_role("list", name="Chat history").locator(".message__text")).to_have_text("One line")


# --- 7. a calm start: layout shift from navigation to ready -------------------------------------

LAYOUT_SHIFT = """window.__layoutShift = {sum: 0, entries: []};
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) {
    if (entry.hadRecentInput) continue;
    window.__layoutShift.sum += entry.value;
    window.__layoutShift.entries.push({value: entry.value, at: entry.startTime,
      sources: (entry.sources || []).map(s => s.node ? (s.node.id || s.node.className || s.node.nodeName) : '?')});
  }
}).observe({type: 'layout-shift', buffered: true});"""
CLS_LIMIT = 0.02


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_page_does_not_jump_while_it_starts(browser: Browser, live_server: str, viewport: str) -> None:
    with guarded_context(browser, live_server, viewport=VIEWPORTS[viewport], service_workers="block",
                         init_scripts=(LAYOUT_SHIFT,)) as (context, _problems):
        page = context.new_page()
        open_window(page)
        expect(page.get_by_role("heading", name="Ayu Lestari")).to_be_visible()
        page.wait_for_timeout(300)  # a shift painted with the ready frame is reported just after it
        shift = page.evaluate("window.__layoutShift")
        assert shift["sum"] < CLS_LIMIT, f"{viewport}: cumulative layout shift {shift['sum']:.4f}: {shift['entries']}"
