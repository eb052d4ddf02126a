"""What a careful first therapist trips over in the inbox (issue 21), measured in Chromium.

The reply box must be in sight in an open conversation at every size (its box inside the viewport),
replies show ``Read`` once the customer's page has shown them, and two customers with one name
can be told apart. Customers are played over HTTP as in ``test_inbox``; tokens come from the CLI.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from app.domain import words
from tests.browser.helpers import guarded_context, open_window
from tests.browser.test_first_user import VIEWPORTS, in_viewport
from tests.browser.test_inbox import Customer, cli_token, conversation, free_start, log, sign_in
from tests.support.server import GENEROUS_LIMITS, running_server


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("inbox-first") / "bookings.sqlite3"


@pytest.fixture(scope="module")
def live_server(database: Path) -> Iterator[str]:
    with running_server(database, env={"BOOKING_ADMIN_TOKEN": "", **GENEROUS_LIMITS}) as url:
        yield url


# --- 8. the reply box is in sight ---------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_reply_box_stays_in_sight_under_a_long_conversation(
        browser: Browser, live_server: str, database: Path, viewport: str) -> None:
    customer = Customer(live_server)
    name = f"Komang {viewport.title()}"  # one per test: the module shares its database
    customer.book(name)
    for n in range(1, 16):
        customer.say(f"Question number {n}: is the oil included?")
    with guarded_context(browser, live_server, viewport=VIEWPORTS[viewport],
                         service_workers="block") as (context, _problems):
        page = context.new_page()
        sign_in(page, cli_token(database, "t-ayu"))
        conversation(page, name).get_by_role("button").click()
        expect(log(page)).to_contain_text("Question number 15")
        for target in (page.get_by_label("Reply"), page.get_by_role("button", name="Send reply")):
            assert in_viewport(page, target), f"{viewport}: the reply box is out of sight"
        newest = log(page).get_by_role("listitem").filter(has_text="Question number 15")
        assert in_viewport(page, newest), f"{viewport}: the newest message is out of sight"
        messages = log(page).bounding_box()
        assert messages["height"] >= 96, f"{viewport}: the messages have no room ({messages['height']} px)"
        assert page.evaluate("document.scrollingElement.scrollHeight <= innerHeight + 1")  # no page scroll


# --- 9. read receipts both ways -----------------------------------------------------------------


def test_a_reply_shows_read_once_the_customers_page_has_shown_it(browser: Browser, live_server: str,
                                                                 database: Path) -> None:
    with guarded_context(browser, live_server, service_workers="block") as (customer_context, _customer), \
            guarded_context(browser, live_server, service_workers="block") as (inbox_context, _inbox):
        customer = customer_context.new_page()
        open_window(customer)
        customer.get_by_label("Message").fill("Is Friday at 10 free?")
        customer.get_by_role("button", name="Send").click()
        expect(customer.get_by_role("list", name="Chat history").get_by_role("listitem").filter(
            has_text="Is Friday at 10 free?")).to_contain_text(words.MESSAGE_SENT)

        inbox = inbox_context.new_page()
        sign_in(inbox, cli_token(database, "t-ayu"))
        conversation(inbox, "Is Friday at 10 free?").get_by_role("button").click()
        inbox.get_by_label("Reply").fill("Yes, Friday at 10 works.")
        inbox.get_by_role("button", name="Send reply").click()
        reply = log(inbox).get_by_role("listitem").filter(has_text="Yes, Friday at 10 works.")
        # The customer's page is open and visible, so Sent may turn into Read before we look.
        expect(reply).to_contain_text(re.compile(f"{words.MESSAGE_SENT}|{words.MESSAGE_READ}"))

        expect(customer.get_by_role("list", name="Chat history")).to_contain_text("Yes, Friday at 10 works.",
                                                                                   timeout=15_000)
        expect(reply).to_contain_text(words.MESSAGE_READ, timeout=15_000)
        expect(reply).not_to_contain_text(words.MESSAGE_SENT)


# --- 10. two customers with one name ------------------------------------------------------------


def test_two_customers_with_one_name_can_be_told_apart_in_the_list(browser: Browser, live_server: str,
                                                                   database: Path) -> None:
    first, second, talker = Customer(live_server), Customer(live_server), Customer(live_server)
    for customer, number in ((first, "+62 812 3456 7890"), (second, "+62 813 9999 1234")):
        body = {"therapist_id": "t-ayu", "therapist_name": "", "customer_id": customer.customer_id,
                "customer_name": "Made Twin", "customer_whatsapp": number, "duration": 90, "price": 475000,
                "location_type": "villa", "massage_for": "myself", "address": "Villa Kembar, Ubud",
                "starts_at": free_start(live_server)}
        answer = httpx.post(f"{live_server}/api/bookings", json=body, timeout=10,
                            headers={**customer.auth, "Idempotency-Key": str(uuid.uuid4())})
        assert answer.status_code == 201, answer.text
    talker.say("Only a question, no booking")
    with guarded_context(browser, live_server, service_workers="block") as (context, _problems):
        page = context.new_page()
        sign_in(page, cli_token(database, "t-ayu"))
        twins = page.get_by_role("list", name="Conversations").get_by_role("button").filter(has_text="Made Twin")
        expect(twins).to_have_count(2)
        expect(twins.filter(has_text="WhatsApp …7890")).to_have_count(1)
        expect(twins.filter(has_text="WhatsApp …1234")).to_have_count(1)
        expect(conversation(page, "Only a question, no booking")).to_contain_text(words.INBOX_NO_BOOKING_YET)


# --- 3. the reply box on a touch keyboard -------------------------------------------------------


def test_on_a_touch_keyboard_enter_starts_a_new_line_in_a_reply(browser: Browser, live_server: str,
                                                                 database: Path) -> None:
    customer = Customer(live_server)
    customer.say("Touch keyboard question")
    with guarded_context(browser, live_server, viewport=VIEWPORTS["phone"], has_touch=True, is_mobile=True,
                         service_workers="block") as (context, _problems):
        page = context.new_page()
        sign_in(page, cli_token(database, "t-ayu"))
        conversation(page, "Touch keyboard question").get_by_role("button").click()
        expect(page.get_by_text(words.REPLY_HINT_TOUCH)).to_be_visible()
        box = page.get_by_label("Reply")
        box.type("Line one")
        box.press("Enter")
        box.type("line two")
        expect(box).to_have_value("Line one\nline two")
        page.get_by_role("button", name="Send reply").click()
        expect(log(page).get_by_role("listitem").filter(has_text="line two")).to_contain_text(words.MESSAGE_SENT)
        replies = [m["message"] for m in customer.page()["messages"] if m["sender_type"] == "therapist"]
        assert replies == ["Line one\nline two"]
