"""The inbox's Send reply before Python is ready (static/js/early-reply.js), as the customer's Send.

A signed-in therapist opens a conversation by its address (``inbox.html?session=<id>``: a
notification's link, or a reload of an open conversation) while Python is held back by never
answering the request for ``pyodide.asm.wasm`` until the test releases it (``open_held``). What the
page does meanwhile is plain JavaScript writing only ``chatbooking:v1:inbox:early_input``; Python
adopts it (``Inbox.adopt_early``) and stays the one owner of the outbox. The customer is played
over HTTP, as their page talks to the API.
"""

from __future__ import annotations

import json
import re

from playwright.sync_api import Browser, BrowserContext, Page, expect

from app.domain import words
from tests.browser.conftest import wait_ready
from tests.browser.helpers import PREFIX, guarded_context, raw_item
from tests.browser.test_before_ready import NO_NETWORK
from tests.browser.test_early_input import open_held
from tests.browser.test_inbox import Customer, log, sign_in

EARLY_REPLY_KEY = PREFIX + "inbox:early_input"


def early_record(page: Page) -> dict | None:
    raw = raw_item(page, EARLY_REPLY_KEY)
    return None if raw is None else json.loads(raw)


def own_replies(page: Page):
    return log(page).locator("li.message--own")


def therapist_replies(customer: Customer) -> list[tuple[str, str]]:
    return [(m["id"], m["message"]) for m in customer.page()["messages"] if m["sender_type"] == "therapist"]


def signed_in_once(context: BrowserContext, token: str) -> None:
    """A visit that signed in (the token is then kept on this device), closed again."""
    page = context.new_page()
    sign_in(page, token)
    page.close()


def test_replies_sent_before_ready_show_at_once_survive_closing_and_arrive_once_in_order(
        browser: Browser, live_server: str, ayu_token: str) -> None:
    customer = Customer(live_server)
    customer.say("Is 3 pm free tomorrow?")
    address = f"/inbox.html?session={customer.session_id}"
    with guarded_context(browser, live_server, service_workers="block") as (context, _problems):
        signed_in_once(context, ayu_token)
        first, _release = open_held(context, address)
        box = first.get_by_label("Reply")
        expect(box).to_be_visible()  # the conversation's pane, before Python
        box.fill("Yes, 3 pm is free")
        first.get_by_role("button", name="Send reply").click()
        expect(own_replies(first)).to_have_count(1)
        expect(own_replies(first).first).to_contain_text(words.MESSAGE_SENDING)
        expect(box).to_have_value("")  # the box empties
        box.fill("Shall I bring oil?")
        box.press("Enter")  # Enter sends before ready too
        expect(own_replies(first)).to_have_count(2)
        box.fill("See you at")  # typed, not sent: kept as the draft
        record = early_record(first)
        assert [(r["text"], r["session"]) for r in record["replies"]] == [
            ("Yes, 3 pm is free", customer.session_id), ("Shall I bring oil?", customer.session_id)]
        assert record["reply"] == "See you at"
        ids = [r["id"] for r in record["replies"]]
        expect(first.locator("html")).to_have_attribute("data-app-state", "loading")
        first.close()  # Python never ran on this page
        assert therapist_replies(customer) == []

        again, release = open_held(context, address)
        expect(own_replies(again)).to_have_count(2)  # still there, still on their way
        expect(again.get_by_label("Reply")).to_have_value("See you at")
        release()
        wait_ready(again)
        expect(own_replies(again).filter(has_text="Shall I bring oil?")).to_contain_text(words.MESSAGE_SENT)
        assert therapist_replies(customer) == [(ids[0], "Yes, 3 pm is free"), (ids[1], "Shall I bring oil?")]
        expect(again.get_by_label("Reply")).to_have_value("See you at")  # the draft Python adopted
        assert early_record(again) is None
        again.reload()
        wait_ready(again)
        expect(own_replies(again)).to_have_count(2)
        again.wait_for_timeout(500)
        assert len(therapist_replies(customer)) == 2  # exactly once each


def test_a_reply_sent_offline_before_ready_waits_for_the_network_then_goes_once(
        browser: Browser, live_server: str, ayu_token: str) -> None:
    customer = Customer(live_server)
    customer.say("Are you free on Sunday?")
    with guarded_context(browser, live_server, service_workers="block", init_scripts=(NO_NETWORK,),
                         allowed_console_errors=("Failed to load resource",)) as (context, _problems):
        signed_in_once(context, ayu_token)
        page, release = open_held(context, f"/inbox.html?session={customer.session_id}")
        page.route("**/api/**", lambda route: route.abort("internetdisconnected"))
        page.evaluate("() => { window.__offline = true; window.dispatchEvent(new Event('offline')); }")
        page.get_by_label("Reply").fill("Sunday works")
        page.get_by_role("button", name="Send reply").click()
        mine = own_replies(page).filter(has_text="Sunday works")
        expect(mine).to_contain_text(words.MESSAGE_WAITING)
        release()
        wait_ready(page)
        expect(mine).to_contain_text(words.MESSAGE_WAITING)
        assert therapist_replies(customer) == []
        page.unroute("**/api/**")
        page.evaluate("() => { window.__offline = false; window.dispatchEvent(new Event('online')); }")
        expect(mine).to_contain_text(words.MESSAGE_SENT, timeout=20_000)
        page.wait_for_timeout(500)
        assert [text for _id, text in therapist_replies(customer)] == ["Sunday works"]


def test_the_open_conversation_is_in_the_address_so_a_reload_reopens_it(
        browser: Browser, live_server: str, ayu_token: str) -> None:
    customer = Customer(live_server)
    customer.say("Do you have time today?")
    # A phone: one pane at a time, so the conversation has a Back button.
    with guarded_context(browser, live_server, viewport={"width": 390, "height": 844}) as (context, _problems):
        page = context.new_page()
        sign_in(page, ayu_token)
        listing = page.get_by_role("list", name="Conversations").get_by_role("listitem")
        listing.filter(has_text="Do you have time today?").get_by_role("button").click()
        expect(page).to_have_url(re.compile(rf"\?session={re.escape(customer.session_id)}$"))
        page.reload()
        wait_ready(page)
        expect(log(page)).to_contain_text("Do you have time today?")
        expect(page.get_by_label("Reply")).to_be_visible()
        page.get_by_role("button", name="Back").click()
        expect(page).to_have_url(re.compile(r"/inbox\.html$"))
