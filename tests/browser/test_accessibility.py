"""Accessibility: a booking made with the keyboard alone, a focus you can always see, labels, live
regions, and WCAG AA contrast for the text and buttons the customer reads.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import wait_ready
from tests.browser.helpers import fill_booking, guarded_context, open_window, send_message
from tests.browser.push_helpers import subscription_stub
from tests.support.receiver import Receiver

AA_NORMAL_TEXT = 4.5

# Where the focus ring is drawn: the element itself, or the label around a visually hidden radio.
FOCUS_RING = """() => {
    const focused = document.activeElement;
    let drawn = focused;
    const label = focused.closest('label');
    if (getComputedStyle(focused).opacity === '0' && label) drawn = label;
    const style = getComputedStyle(drawn);
    return {id: focused.id, tag: focused.tagName.toLowerCase(), style: style.outlineStyle,
            width: parseFloat(style.outlineWidth)};
}"""

# WCAG 2.x contrast of an element's text colour against the first opaque background behind it.
CONTRAST = """element => {
    const parse = value => (value.match(/[\\d.]+/g) || []).map(Number);
    const background = node => {
        for (; node; node = node.parentElement) {
            const [r, g, b, a = 1] = parse(getComputedStyle(node).backgroundColor);
            if (a > 0.99) return [r, g, b];
        }
        return [255, 255, 255];
    };
    const luminance = rgb => {
        const linear = c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        const [r, g, b] = rgb.map(c => linear(c / 255));
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const [r, g, b, a = 1] = parse(getComputedStyle(element).color);
    const back = background(element);
    const fore = [r, g, b].map((c, i) => c * a + back[i] * (1 - a));  // translucent text over its background
    const [light, dark] = [luminance(fore), luminance(back)].sort((x, y) => y - x);
    return (light + 0.05) / (dark + 0.05);
}"""

SET_STATE = "(el, [text, kind]) => { el.textContent = text; el.dataset.kind = kind; }"
# (what the customer reads, a selector for it, the (text, data-kind) state to style it in, or None)
COLOURS = [
    ("body text", "body", None),
    ("field label", ".field label", None),
    ("hint", "#whatsapp-hint", None),
    ("therapist details", "#therapist-meta", None),
    ("duration price", ".duration__price", None),
    ("primary button", "#order-now", None),
    ("quiet button", "#reset-chat", None),
    ("sync status", "#sync-status", ("Sending your booking…", "busy")),
    ("sync status queued", "#sync-status", ("Booking queued", "queued")),
    ("sync status error", "#sync-status", ("The booking was refused", "error")),
    ("autosave", "#autosave-status", None),
    ("autosave warning", "#autosave-status", ("Storage is full or blocked", "warning")),
    ("health line", "#health-storage", None),
    ("chat empty hint", ".messages__empty", None),
]


def focus_ring(page: Page) -> dict:
    ring = page.evaluate(FOCUS_RING)
    assert ring["style"] != "none" and ring["width"] >= 2, f"no visible focus on {ring}"
    return ring


def tab_to(page: Page, expected_id: str) -> None:
    page.keyboard.press("Tab")
    assert focus_ring(page)["id"] == expected_id


def test_a_booking_can_be_made_with_the_keyboard_alone_and_the_focus_is_always_visible(
        app_page: Page) -> None:
    open_window(app_page, "/?therapist=t-made")
    app_page.keyboard.press("Tab")
    skip = app_page.get_by_role("link", name="Skip to the booking form")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    focus_ring(app_page)
    app_page.keyboard.press("Enter")
    expect(app_page.get_by_role("heading", name="Book a session")).to_be_focused()

    tab_to(app_page, "duration-60")  # no duration chosen yet: Tab enters the group at its first radio
    app_page.keyboard.press("ArrowRight")
    expect(app_page.get_by_role("radio", name=re.compile("^90 min"))).to_be_checked()
    app_page.keyboard.press("ArrowRight")
    app_page.keyboard.press("Space")
    expect(app_page.get_by_role("radio", name=re.compile("^120 min"))).to_be_checked()
    assert focus_ring(app_page)["id"] == "duration-120"
    expect(app_page.get_by_text("Total")).to_contain_text("IDR 700,000")

    tab_to(app_page, "when-asap")  # When: Tab enters the group at its first choice
    app_page.keyboard.press("Space")
    expect(app_page.get_by_role("radio", name="As soon as possible")).to_be_checked()

    tab_to(app_page, "customer-name")
    app_page.keyboard.type("Putu Keyboard")
    tab_to(app_page, "customer-whatsapp")
    app_page.keyboard.type("+62 812 5555 6666")
    tab_to(app_page, "location-type")
    app_page.keyboard.press("ArrowDown")
    app_page.keyboard.press("ArrowDown")
    expect(app_page.get_by_label("Location")).to_have_value("hotel")
    tab_to(app_page, "massage-for")
    app_page.keyboard.press("ArrowDown")
    expect(app_page.get_by_label("Massage for")).to_have_value("myself")
    tab_to(app_page, "address")
    app_page.keyboard.type("Hotel Tugu, room 12")
    tab_to(app_page, "whatsapp-updates")
    tab_to(app_page, "order-now")
    app_page.keyboard.press("Enter")

    confirmation = app_page.get_by_role("region", name="Request sent")
    expect(confirmation).to_be_visible(timeout=30_000)
    expect(confirmation).to_contain_text("120 min with Made Wirawan")
    expect(confirmation).to_be_focused()  # a screen reader lands on the result
    tab_to(app_page, "copy-ref")
    tab_to(app_page, "new-booking")


def test_the_chat_and_its_dialog_work_with_the_keyboard(app_page: Page) -> None:
    open_window(app_page)
    send_message(app_page, "Keyboard hello")
    reset = app_page.get_by_role("button", name="Reset chat")
    reset.focus()
    app_page.keyboard.press("Enter")
    dialog = app_page.get_by_role("dialog", name="Clear this chat?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Keep chat")).to_be_focused()  # the safe choice first
    focus_ring(app_page)
    app_page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(reset).to_be_focused()  # back where the customer was
    expect(app_page.get_by_role("list", name="Chat history")).to_contain_text("Keyboard hello")

    app_page.keyboard.press("Enter")
    app_page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Clear chat")).to_be_focused()
    focus_ring(app_page)
    app_page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(app_page.get_by_label("Message")).to_be_focused()
    expect(app_page.get_by_text("No messages yet")).to_be_visible()


def test_the_chat_history_can_be_focused_and_scrolled_with_the_keyboard(app_page: Page) -> None:
    open_window(app_page)
    history = app_page.get_by_role("list", name="Chat history")
    history.focus()
    assert focus_ring(app_page)["id"] == "messages"


def test_every_form_control_has_a_label(app_page: Page) -> None:
    open_window(app_page)
    unlabeled = app_page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
                 .filter(el => ![...el.labels].some(label => label.textContent.trim()))
                 .map(el => el.id || el.name)"""
    )
    assert unlabeled == []
    for label in ("Your name", "WhatsApp number", "Location", "Massage for", "Message", "Address", "Date",
                  "Start time", "Send me updates on WhatsApp"):
        expect(app_page.get_by_label(label, exact=True)).to_have_count(1)
    when = app_page.get_by_role("group", name="When")
    for choice in ("As soon as possible", "Choose a time"):
        expect(when.get_by_role("radio", name=re.compile(f"^{choice}"))).to_have_count(1)
    for minutes in ("60", "90", "120"):
        expect(app_page.get_by_role("radio", name=re.compile(rf"^{minutes} min"))).to_have_count(1)
    nameless = app_page.evaluate(
        "() => [...document.querySelectorAll('button, a[href]')].filter(el => !el.textContent.trim())"
        ".map(el => el.outerHTML)"
    )
    assert nameless == []


def test_status_and_alert_live_regions_are_in_the_page_from_the_start(app_page: Page) -> None:
    open_window(app_page)
    for selector in ("#autosave-status", "#sync-status"):
        expect(app_page.locator(selector)).to_have_attribute("role", "status")
    for selector in ("#validation-errors", "#boot-error", "#page-notice"):
        expect(app_page.locator(selector)).to_have_attribute("role", "alert")
    idle = app_page.get_by_role("status").filter(has_text="Your draft is saved on this device")
    expect(idle).to_be_visible()

    app_page.get_by_label("Your name").fill("Rini")
    expect(app_page.get_by_role("status").filter(has_text=re.compile("Saving…|Saved"))).to_be_visible()


def test_text_and_button_colours_meet_wcag_aa_contrast(app_page: Page) -> None:
    open_window(app_page)
    ratios = {}
    for what, selector, state in COLOURS:
        element = app_page.locator(selector).first
        if state:  # only the state's styling is under test; the page sets these itself in real use
            element.evaluate(SET_STATE, state)
        ratios[what] = round(element.evaluate(CONTRAST), 2)
    low = {what: ratio for what, ratio in ratios.items() if ratio < AA_NORMAL_TEXT}
    assert not low, f"below {AA_NORMAL_TEXT}:1: {low} (all: {ratios})"


def test_message_and_error_colours_meet_wcag_aa_contrast(app_page: Page) -> None:
    open_window(app_page)
    send_message(app_page, "Contrast check")
    app_page.get_by_role("button", name="Order now").click()
    expect(app_page.get_by_role("alert").filter(has_text="Please fix")).to_be_visible()
    for selector in (".message--customer .message__meta", ".message--customer .message__text",
                     "#validation-errors li", "#confirm-reset .button--danger"):
        ratio = app_page.locator(selector).first.evaluate(CONTRAST)
        assert ratio >= AA_NORMAL_TEXT, f"{selector}: contrast {ratio:.2f}:1"


def test_the_notification_switch_works_with_the_keyboard_and_its_words_meet_contrast(
        browser: Browser, live_server: str, ayu_token: str, push_service: Receiver) -> None:
    with guarded_context(browser, live_server, init_scripts=(subscription_stub(push_service.origin),)) as (
            context, _):
        context.grant_permissions(["notifications"])
        page = context.new_page()
        open_window(page)
        send_message(page, "Switch check")
        switch = page.get_by_role("switch", name="Notify me when Ayu Lestari answers")
        expect(switch).to_be_visible()
        page.get_by_role("button", name="Send").focus()
        tab_to(page, "push-switch")  # right after the composer, in reading order
        page.keyboard.press("Space")
        expect(switch).to_be_checked()
        expect(page.locator("#push-note")).to_have_text("This device will be notified.")
        expect(switch).to_be_focused()  # busy is not disabled: the focus stays on the switch
        focus_ring(page)
        for selector, state in (("#push-label", None), ("#push-note", None),
                                ("#push-note", ("Notifications are blocked in this browser's settings", "warning")),
                                ("#push-note", ("Notifications could not be turned on.", "error"))):
            element = page.locator(selector)
            if state:
                element.evaluate(SET_STATE, state)
            ratio = element.evaluate(CONTRAST)
            assert ratio >= AA_NORMAL_TEXT, f"{selector} {state}: contrast {ratio:.2f}:1"

        inbox = context.new_page()
        inbox.goto("/inbox.html")
        wait_ready(inbox)
        inbox.get_by_label("Access token").fill(ayu_token)
        inbox.get_by_role("button", name="Sign in").click()
        inbox_switch = inbox.get_by_role("switch", name="Notify me on this device")
        expect(inbox_switch).to_be_visible()
        inbox.get_by_role("button", name="Bahasa Indonesia").focus()
        tab_to(inbox, "push-switch")  # the first thing of the list, after the header
        ratio = inbox.locator("#push-label").evaluate(CONTRAST)
        assert ratio >= AA_NORMAL_TEXT, f"inbox switch label: contrast {ratio:.2f}:1"


def test_your_booking_is_a_named_live_region_and_its_cancel_dialog_starts_on_the_safe_choice(
        app_page: Page) -> None:
    open_window(app_page, "/?therapist=t-sari")
    fill_booking(app_page, name="Live Region")
    app_page.get_by_role("button", name="Order now").click()
    booking = app_page.get_by_role("region", name="Your booking")
    expect(booking).to_contain_text("Waiting for Sari Dewi to accept", timeout=30_000)
    expect(booking).to_have_attribute("aria-live", "polite")
    cancel = booking.get_by_role("button", name="Cancel this booking")
    cancel.focus()
    app_page.keyboard.press("Enter")
    dialog = app_page.get_by_role("dialog", name=re.compile("^Cancel your booking for"))
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Keep booking")).to_be_focused()  # the safe choice first
    expect(dialog.get_by_label("Reason (optional)")).to_be_visible()
    focus_ring(app_page)
    app_page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(cancel).to_be_focused()
    expect(booking).to_contain_text("Waiting for Sari Dewi to accept")  # nothing was cancelled
