"""Personal data on the device: "Forget me on this device", retention, and persistent storage.

Each test fails on today's seed behaviour: nothing was ever forgotten, nothing expired.
"""

from __future__ import annotations


from playwright.sync_api import BrowserContext, Page, expect

from app.domain import words
from app.domain.retention import DAY_MS
from app.drafts.records import MESSAGES_CODEC
from app.outbox.store import CONFIRMATION_CODEC
from tests.browser.chat_helpers import DELIVERY_TIMEOUT_MS, own_message
from tests.browser.helpers import current_session, customer_id, fill_booking, key, open_window, send_message
from tests.browser.sync_helpers import NETWORK_CONSOLE_ERRORS

OURS = "() => Object.keys(localStorage).filter(k => k.startsWith('chatbooking:v1:'))"


def test_forget_me_asks_first_names_what_was_not_sent_and_removes_everything_of_ours(
        app_context: BrowserContext, app_page: Page, page_problems) -> None:
    page_problems.allowed_console_errors.extend(NETWORK_CONSOLE_ERRORS)
    open_window(app_page, "/?therapist=t-ayu")
    before = customer_id(app_page)
    app_page.evaluate("() => localStorage.setItem('theme', 'dark')")  # another script's key stays
    fill_booking(app_page, name="Forget Tester")
    send_message(app_page, "A message that reaches the therapist")
    expect(own_message(app_page, "reaches the therapist").locator(".message__status")).to_have_text(
        "Sent", timeout=DELIVERY_TIMEOUT_MS)
    app_context.set_offline(True)
    send_message(app_page, "A message that never leaves")
    app_page.get_by_role("button", name="Forget me on this device").click()
    dialog = app_page.get_by_role("dialog", name="Forget me on this device?")
    expect(dialog).to_contain_text("1 message not sent yet will not be sent.")
    dialog.get_by_role("button", name="Keep my data").click()
    assert "Forget Tester" in (app_page.evaluate("k => localStorage.getItem(k)", key(current_session(app_page),
                                                                                   "draft")) or "")
    app_page.get_by_role("button", name="Forget me on this device").click()
    app_context.set_offline(False)
    with app_page.expect_navigation():
        dialog.get_by_role("button", name="Forget me").click()
    open_window(app_page, "/?therapist=t-ayu")
    remaining = app_page.evaluate(OURS)
    assert sorted(remaining) == ["chatbooking:v1:customer_id", "chatbooking:v1:customer_token"]  # a new visitor
    assert customer_id(app_page) != before
    assert app_page.evaluate("() => localStorage.getItem('theme')") == "dark"
    expect(app_page.get_by_label("Your name")).to_have_value("")
    expect(app_page.get_by_role("list", name="Chat history").locator("li.message")).to_have_count(0)


def test_a_month_old_chat_and_confirmation_are_gone_on_the_next_visit(app_page: Page) -> None:
    open_window(app_page, "/?therapist=t-ayu")
    session = current_session(app_page)
    now = app_page.evaluate("() => Date.now()")
    old = now - 31 * DAY_MS
    messages = MESSAGES_CODEC.encode([{"id": "m-old", "sender_id": customer_id(app_page), "sender_type": "customer",
                                       "message": "A month-old message", "timestamp": old, "seq": 1,
                                       "server_time": old}])
    booking = {"therapist_id": "t-ayu", "therapist_name": "Ayu Lestari", "customer_id": customer_id(app_page),
               "customer_name": "Old Customer", "customer_whatsapp": "+6281234567890", "duration": 90,
               "price": 475000, "location_type": "villa", "massage_for": "partner",
               "address": "Villa Kayu, Jl. Raya Ubud 12", "asap": True}
    confirmation = CONFIRMATION_CODEC.encode({"id": "bk_old", "status": "confirmed", "created_at": old,
                                              "booking": booking})
    app_page.evaluate("([items]) => { for (const [k, v] of items) localStorage.setItem(k, v); }",
                      [[[key(session, "messages"), messages], [key(session, "confirmation"), confirmation],
                        [key(session, "booking"), confirmation]]])
    app_page.reload()
    open_window(app_page, "/?therapist=t-ayu")
    expect(app_page.get_by_text("A month-old message")).to_have_count(0)
    expect(app_page.get_by_role("region", name="Request sent")).to_be_hidden()
    stored = app_page.evaluate(OURS)
    assert key(session, "messages") not in stored and key(session, "confirmation") not in stored
    assert key(session, "booking") not in stored  # "Your booking" and its address: 30 days too
    expect(app_page.get_by_role("region", name="Your booking")).to_be_hidden()


def test_the_health_line_says_whether_the_browser_keeps_our_data(app_page: Page) -> None:
    open_window(app_page, "/?therapist=t-ayu")
    line = app_page.locator("#health-persist")
    expect(line).to_have_text("Kept by the browser: not asked yet")
    app_page.get_by_label("Your name").fill("Persist Tester")
    expect(line).not_to_have_text("Kept by the browser: not asked yet", timeout=10_000)
    # Exactly what the browser answered (navigator.storage.persist(); persisted() reads it back).
    persisted = app_page.evaluate("navigator.storage.persisted()")
    expect(line).to_have_text(words.PERSIST_GRANTED if persisted else words.PERSIST_DENIED)
