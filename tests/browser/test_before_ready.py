"""Nothing waits for Python: Send and Order now pressed before it is ready (static/js/boot.js).

Python is held back by never answering the request for ``pyodide.asm.wasm`` until the test
releases it (``open_held``), so every press here is really made before Python runs. What the page
does meanwhile is plain JavaScript writing only ``chatbooking:v1:early_input``; Python adopts it
(``app.persistence.early_input``, ``Conversation.adopt``) and stays the one owner of the outbox.
"""

from __future__ import annotations

import json

from playwright.sync_api import Browser, Page, expect

from tests.browser.chat_helpers import TherapistApi, own_message, wait_until
from tests.browser.conftest import wait_ready
from tests.browser.helpers import PREFIX, current_session, fill_booking, guarded_context, messages, raw_item
from tests.browser.test_early_input import open_held

EARLY_INPUT_KEY = PREFIX + "early_input"


def early_record(page: Page) -> dict | None:
    raw = raw_item(page, EARLY_INPUT_KEY)
    return None if raw is None else json.loads(raw)


def send_early(page: Page, text: str) -> None:
    page.get_by_label("Message").fill(text)
    page.get_by_role("button", name="Send").click()


def shown_ids(page: Page) -> list[str]:
    return page.eval_on_selector_all("#messages li.message", "items => items.map(i => i.dataset.messageId)")


def test_a_message_sent_before_ready_shows_at_once_survives_closing_and_arrives_once_after_the_next_load(
        browser: Browser, live_server: str, ayu_token: str) -> None:
    with guarded_context(browser, live_server, service_workers="block") as (context, _problems):
        first, _release = open_held(context)
        send_early(first, "Is 3 pm free tomorrow?")
        expect(own_message(first, "Is 3 pm free tomorrow?")).to_contain_text("Sending…")
        expect(first.get_by_label("Message")).to_have_value("")  # the box empties
        record = early_record(first)
        assert [m["text"] for m in record["messages"]] == ["Is 3 pm free tomorrow?"]
        message_id = record["messages"][0]["id"]
        assert shown_ids(first) == [message_id]
        expect(first.locator("html")).to_have_attribute("data-app-state", "loading")
        first.close()  # Python never ran on this page

        again, release = open_held(context)
        expect(own_message(again, "Is 3 pm free tomorrow?")).to_contain_text("Sending…")  # still there
        release()
        wait_ready(again)
        expect(own_message(again, "Is 3 pm free tomorrow?")).to_contain_text("Sent")
        assert shown_ids(again) == [message_id]  # the id it was shown with is the id it keeps
        session = current_session(again)
        ayu = TherapistApi(live_server, ayu_token)
        stored = wait_until(lambda: ayu.messages(session))
        assert [(m["id"], m["message"]) for m in stored] == [(message_id, "Is 3 pm free tomorrow?")]
        assert early_record(again) is None
        again.reload()
        wait_ready(again)
        expect(own_message(again, "Is 3 pm free tomorrow?")).to_contain_text("Sent")
        expect(messages(again)).to_have_count(1)
        again.wait_for_timeout(500)
        assert len(ayu.messages(session)) == 1  # exactly once


def test_two_messages_sent_before_ready_keep_their_order(browser: Browser, live_server: str,
                                                         ayu_token: str) -> None:
    with guarded_context(browser, live_server, service_workers="block") as (context, _problems):
        page, release = open_held(context)
        send_early(page, "First question")
        page.get_by_label("Message").fill("Second question")
        page.get_by_label("Message").press("Enter")  # Enter sends before ready too
        expect(messages(page)).to_have_count(2)
        expect(own_message(page, "Second question")).to_contain_text("Sending…")
        release()
        wait_ready(page)
        session = current_session(page)
        ayu = TherapistApi(live_server, ayu_token)
        wait_until(lambda: len(ayu.customer_texts(session)) == 2)
        assert ayu.customer_texts(session) == ["First question", "Second question"]
        expect(messages(page)).to_have_count(2)
        expect(own_message(page, "Second question")).to_contain_text("Sent")


def test_order_now_before_ready_on_an_invalid_form_shows_the_field_errors_once_python_is_up(
        browser: Browser, live_server: str) -> None:
    with guarded_context(browser, live_server, service_workers="block") as (context, _problems):
        page, release = open_held(context)
        page.get_by_label("Your name").fill("A")
        page.get_by_role("button", name="Order now").click()
        order = page.get_by_role("button", name="Order now")
        expect(order).to_have_attribute("aria-busy", "true")  # it shows it is working
        expect(order).to_be_disabled()
        release()
        wait_ready(page)
        expect(page.locator("#validation-errors")).to_be_visible()
        expect(page.locator("#validation-errors")).to_contain_text("WhatsApp")
        expect(order).to_be_enabled()
        expect(order).not_to_have_attribute("aria-busy", "true")
        expect(page.get_by_label("Your name")).to_have_value("A")


def test_order_now_before_ready_on_a_valid_form_queues_the_booking_once(browser: Browser, live_server: str,
                                                                        ayu_token: str) -> None:
    with guarded_context(browser, live_server, service_workers="block") as (context, _problems):
        page, release = open_held(context)
        fill_booking(page, name="Early Orderer")
        page.get_by_role("button", name="Order now").click()
        release()
        wait_ready(page)
        expect(page.locator("#confirmation")).to_be_visible(timeout=20_000)
        session = current_session(page)
        assert len(TherapistApi(live_server, ayu_token).bookings(session)) == 1
        page.reload()  # the press is not repeated by a later load
        wait_ready(page)
        page.wait_for_timeout(500)
        assert len(TherapistApi(live_server, ayu_token).bookings(session)) == 1


# The network is cut for the API only (the runtime still arrives, as from a service worker's cache
# on a real repeat visit), and navigator.onLine says what a phone in a tunnel says.
NO_NETWORK = """
window.__offline = false;
Object.defineProperty(Navigator.prototype, "onLine", { get: () => !window.__offline });
"""


def test_a_message_sent_offline_before_ready_waits_for_the_network_then_goes_once(
        browser: Browser, live_server: str, ayu_token: str) -> None:
    with guarded_context(browser, live_server, service_workers="block", init_scripts=(NO_NETWORK,),
                         allowed_console_errors=("Failed to load resource",)) as (context, _problems):
        page, release = open_held(context)
        page.route("**/api/**", lambda route: route.abort("internetdisconnected"))
        page.evaluate("() => { window.__offline = true; window.dispatchEvent(new Event('offline')); }")
        page.get_by_label("Message").fill("Sent from a tunnel")
        page.get_by_role("button", name="Send").click()
        expect(own_message(page, "Sent from a tunnel")).to_contain_text("Waiting for network")
        release()
        wait_ready(page)
        expect(own_message(page, "Sent from a tunnel")).to_contain_text("Waiting for network")
        session = current_session(page)
        ayu = TherapistApi(live_server, ayu_token)
        assert ayu.customer_texts(session) == []
        page.unroute("**/api/**")
        page.evaluate("() => { window.__offline = false; window.dispatchEvent(new Event('online')); }")
        expect(own_message(page, "Sent from a tunnel")).to_contain_text("Sent", timeout=20_000)
        page.wait_for_timeout(500)
        assert ayu.customer_texts(session) == ["Sent from a tunnel"]
