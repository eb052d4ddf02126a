"""Two real pages at once: the customer's chat (index.html) and the therapist's inbox (inbox.html).

Each runs in its own browser context (two devices) against the real server. What the server
stored is also read over the therapist API, so "exactly once" is checked where it counts.
Every page fails its test on a console error, except the network errors a test causes on purpose.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from app.domain import words
from tests.browser.chat_helpers import (
    DELIVERY_TIMEOUT_MS,
    TherapistApi,
    own_message,
    queued_messages,
    wait_until,
)
from tests.browser.conftest import PageProblems, wait_ready
from tests.browser.helpers import (
    CSP_REPORTER,
    current_session,
    fill_booking,
    messages,
    open_window,
    send_message,
)
from tests.browser.sync_helpers import NETWORK_CONSOLE_ERRORS

STATE = ".message__status"


class Inbox:
    """The therapist's inbox page, signed in, driven through what the therapist sees."""

    def __init__(self, page: Page, token: str) -> None:
        self.page = page
        page.goto("/inbox.html")
        wait_ready(page)
        page.get_by_label("Access token").fill(token)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("list", name="Conversations")).to_be_visible()

    def open(self, session: str) -> None:
        row = self.page.locator(f"#conversations button[data-session='{session}']")
        expect(row).to_be_visible(timeout=DELIVERY_TIMEOUT_MS)
        row.click()

    @property
    def log(self):
        return self.page.get_by_role("log", name="Messages")

    def reply(self, text: str) -> None:
        self.page.get_by_label("Reply").fill(text)
        self.page.get_by_role("button", name="Send reply").click()


@pytest.fixture
def inbox_page(browser: Browser, live_server: str) -> Iterator[Page]:
    """The therapist's device: its own context (its own localStorage), watched like the customer's."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    context.add_init_script(CSP_REPORTER)
    problems = PageProblems(live_server)
    page = context.new_page()
    problems.watch(page)
    yield page
    problems.check()
    context.close()


def test_message_reaches_the_inbox_the_reply_reaches_the_customer_live_and_read_is_shown(
        app_page: Page, inbox_page: Page, ayu_token: str) -> None:
    open_window(app_page, "/?therapist=t-ayu")
    session = current_session(app_page)
    send_message(app_page, "Hi Ayu, is 3 pm free tomorrow?")
    mine = own_message(app_page, "is 3 pm free")
    expect(mine.locator(STATE)).to_have_text(words.MESSAGE_SENT, timeout=DELIVERY_TIMEOUT_MS)

    inbox = Inbox(inbox_page, ayu_token)
    inbox.open(session)
    expect(inbox.log).to_contain_text("Hi Ayu, is 3 pm free tomorrow?")
    expect(mine.locator(STATE)).to_have_text(words.MESSAGE_READ, timeout=5_000)  # opened: read

    inbox.reply("Yes, 3 pm works. Villa or hotel?")
    reply = app_page.get_by_role("list", name="Chat history").locator("li.message--therapist")
    expect(reply.locator(".message__text")).to_have_text("Yes, 3 pm works. Villa or hotel?", timeout=3_000)
    expect(reply.locator(".message__meta")).to_contain_text("Ayu Lestari")

    send_message(app_page, "Villa, please")  # arrives while the conversation is open: read at once
    expect(inbox.log).to_contain_text("Villa, please", timeout=3_000)
    expect(own_message(app_page, "Villa, please").locator(STATE)).to_have_text(words.MESSAGE_READ, timeout=5_000)


def test_offline_messages_wait_for_the_network_then_each_arrives_exactly_once(
        app_context: BrowserContext, app_page: Page, page_problems, inbox_page: Page, live_server: str,
        ayu_token: str) -> None:
    page_problems.allowed_console_errors.extend(NETWORK_CONSOLE_ERRORS)
    open_window(app_page, "/?therapist=t-ayu")
    session = current_session(app_page)
    app_context.set_offline(True)
    send_message(app_page, "First while offline")
    send_message(app_page, "Second while offline")
    for text in ("First while offline", "Second while offline"):
        expect(own_message(app_page, text).locator(STATE)).to_have_text(words.MESSAGE_WAITING,
                                                                        timeout=DELIVERY_TIMEOUT_MS)
    app_context.set_offline(False)
    for text in ("First while offline", "Second while offline"):
        expect(own_message(app_page, text).locator(STATE)).to_have_text(words.MESSAGE_SENT,
                                                                        timeout=DELIVERY_TIMEOUT_MS)
    inbox = Inbox(inbox_page, ayu_token)
    inbox.open(session)
    expect(inbox.log.locator("li")).to_have_count(2)
    expect(inbox.log.locator("li", has_text="First while offline")).to_have_count(1)
    expect(inbox.log.locator("li", has_text="Second while offline")).to_have_count(1)
    assert TherapistApi(live_server, ayu_token).customer_texts(session) == [
        "First while offline", "Second while offline"]
    assert queued_messages(app_page) == 0


def test_a_lost_response_to_the_first_post_does_not_deliver_the_message_twice(
        app_page: Page, page_problems, inbox_page: Page, live_server: str, ayu_token: str) -> None:
    page_problems.allowed_console_errors.extend(NETWORK_CONSOLE_ERRORS)
    posts: list[int] = []

    def lose_first_answer(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        posts.append(1)
        if len(posts) == 1:
            route.fetch()  # the server stores it ...
            route.abort()  # ... but the page never hears back
        else:
            route.continue_()

    app_page.route("**/api/conversations/*/messages", lose_first_answer)
    open_window(app_page, "/?therapist=t-ayu")
    session = current_session(app_page)
    send_message(app_page, "Only once please")
    expect(own_message(app_page, "Only once please").locator(STATE)).to_have_text(
        words.MESSAGE_SENT, timeout=DELIVERY_TIMEOUT_MS)
    wait_until(lambda: queued_messages(app_page) == 0)  # the outbox sent it again, with the same id ...
    assert len(posts) >= 2  # ... and the server answered with the copy it had
    inbox = Inbox(inbox_page, ayu_token)
    inbox.open(session)
    expect(inbox.log.locator("li", has_text="Only once please")).to_have_count(1)
    assert TherapistApi(live_server, ayu_token).customer_texts(session) == ["Only once please"]


def test_a_reload_of_either_page_mid_conversation_loses_nothing_and_duplicates_nothing(
        app_page: Page, inbox_page: Page, ayu_token: str) -> None:
    open_window(app_page, "/?therapist=t-ayu")
    session = current_session(app_page)
    send_message(app_page, "Before the reload")
    expect(own_message(app_page, "Before the reload").locator(STATE)).to_have_text(
        words.MESSAGE_SENT, timeout=DELIVERY_TIMEOUT_MS)
    inbox = Inbox(inbox_page, ayu_token)
    inbox.open(session)
    inbox.reply("Reply one")
    expect(messages(app_page)).to_have_count(2, timeout=DELIVERY_TIMEOUT_MS)
    app_page.reload()
    wait_ready(app_page)
    inbox.reply("Reply two, sent during the reload")
    expect(messages(app_page).locator(".message__text")).to_have_text(
        ["Before the reload", "Reply one", "Reply two, sent during the reload"], timeout=DELIVERY_TIMEOUT_MS)
    inbox_page.reload()
    wait_ready(inbox_page)
    inbox.open(session)
    expect(inbox.log.locator("li")).to_have_count(3)
    app_page.reload()
    wait_ready(app_page)
    expect(messages(app_page)).to_have_count(3)


def test_after_reset_chat_old_messages_stay_away_on_the_next_sync_while_the_chat_goes_on(
        app_page: Page, inbox_page: Page, live_server: str, ayu_token: str) -> None:
    open_window(app_page, "/?therapist=t-ayu")
    session = current_session(app_page)
    fill_booking(app_page, name="Reset Tester")
    send_message(app_page, "An old question")
    inbox = Inbox(inbox_page, ayu_token)
    inbox.open(session)
    inbox.reply("An old answer")
    expect(messages(app_page)).to_have_count(2, timeout=DELIVERY_TIMEOUT_MS)
    app_page.get_by_role("button", name="Reset chat").click()
    app_page.get_by_role("dialog").get_by_role("button", name="Clear chat").click()
    expect(messages(app_page)).to_have_count(0)
    app_page.reload()
    wait_ready(app_page)
    expect(app_page.get_by_label("Your name")).to_have_value("Reset Tester")  # the booking draft stayed
    inbox.reply("A new answer after the reset")
    expect(messages(app_page).locator(".message__text")).to_have_text(["A new answer after the reset"],
                                                                      timeout=DELIVERY_TIMEOUT_MS)
    expect(inbox.log).to_contain_text("An old question")  # the therapist keeps the whole conversation
    assert TherapistApi(live_server, ayu_token).customer_texts(session) == ["An old question"]


def test_the_inbox_shows_the_booking_made_from_the_chat(app_page: Page, inbox_page: Page, ayu_token: str) -> None:
    open_window(app_page, "/?therapist=t-ayu")
    session = current_session(app_page)
    fill_booking(app_page, name="Chat Booker")
    app_page.get_by_role("button", name="Order now").click()
    expect(app_page.get_by_role("region", name="Request sent")).to_be_visible(timeout=DELIVERY_TIMEOUT_MS)
    reference = app_page.locator("#confirmation-ref").inner_text()
    inbox = Inbox(inbox_page, ayu_token)
    expect(inbox_page.locator(f"#conversations button[data-session='{session}']")).to_contain_text("Chat Booker")
    inbox.open(session)
    bookings = inbox_page.get_by_role("list", name="Bookings", exact=True)
    for text in (reference, "90 min", "Chat Booker", "+628123456789"):
        expect(bookings).to_contain_text(text)


def test_a_reply_while_scrolled_up_shows_a_marker_instead_of_moving_the_list(
        app_page: Page, live_server: str, ayu_token: str) -> None:
    open_window(app_page, "/?therapist=t-ayu")
    session = current_session(app_page)
    for n in range(12):
        send_message(app_page, f"Question number {n} with enough words to fill a line or two")
    expect(own_message(app_page, "Question number 11").locator(STATE)).to_have_text(
        words.MESSAGE_SENT, timeout=DELIVERY_TIMEOUT_MS)
    history = app_page.get_by_role("list", name="Chat history")
    history.evaluate("list => { list.scrollTop = 0; list.dispatchEvent(new Event('scroll')); }")
    TherapistApi(live_server, ayu_token).reply(session, "A reply you have not seen yet")
    marker = app_page.get_by_role("button", name=words.new_messages(1))
    expect(marker).to_be_visible(timeout=DELIVERY_TIMEOUT_MS)
    assert history.evaluate("list => list.scrollTop") == 0
    marker.click()
    expect(marker).to_be_hidden()
    assert history.evaluate("list => list.scrollHeight - list.scrollTop - list.clientHeight") < 48
    assert history.get_attribute("aria-live") == "polite"


def test_a_refused_message_says_not_sent_with_the_reason_and_retry_sends_it(
        app_page: Page, page_problems, live_server: str, ayu_token: str) -> None:
    page_problems.allowed_console_errors.append("status of 422")
    refusals: list[int] = []

    def refuse_once(route: Route) -> None:
        if route.request.method == "POST" and not refusals:
            # The page sends nothing the server refuses, so this one POST reaches the real server
            # with a text it really refuses (a direction override), and its own 422 comes back.
            refusals.append(1)
            body = json.loads(route.request.post_data or "{}")
            route.continue_(post_data=json.dumps(body | {"message": body["message"] + " \u202e"}))
        else:
            route.continue_()

    app_page.route("**/api/conversations/*/messages", refuse_once)
    open_window(app_page, "/?therapist=t-ayu")
    session = current_session(app_page)
    send_message(app_page, "Refused first")
    mine = own_message(app_page, "Refused first")
    expect(mine.locator(STATE)).to_have_text(words.MESSAGE_NOT_SENT, timeout=DELIVERY_TIMEOUT_MS)
    expect(mine).to_contain_text("must not contain direction overrides")
    mine.get_by_role("button", name="Retry: Refused first").click()
    expect(mine.locator(STATE)).to_have_text(words.MESSAGE_SENT, timeout=DELIVERY_TIMEOUT_MS)
    assert wait_until(lambda: TherapistApi(live_server, ayu_token).customer_texts(session)) == ["Refused first"]


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_screenshots_of_a_live_conversation_on_both_pages(
        browser: Browser, live_server: str, ayu_token: str, viewport: str) -> None:
    """For a person to look at: the customer's chat with every message state, and the inbox beside it."""
    from tests.browser.test_screenshots import SCREENSHOTS, VIEWPORTS

    size = VIEWPORTS[viewport]
    customer_context = browser.new_context(base_url=live_server, viewport=size)
    therapist_context = browser.new_context(base_url=live_server, viewport=size)
    problems = PageProblems(live_server)
    problems.allowed_console_errors.extend(NETWORK_CONSOLE_ERRORS)
    try:
        customer, therapist = customer_context.new_page(), therapist_context.new_page()
        problems.watch(customer)
        problems.watch(therapist)
        open_window(customer, "/?therapist=t-ayu")
        session = current_session(customer)
        fill_booking(customer, name="Nadia Putri")
        send_message(customer, "Hi Ayu! Is tomorrow at 3 pm free for a 90-minute massage?")
        expect(own_message(customer, "tomorrow at 3 pm").locator(STATE)).to_have_text(
            words.MESSAGE_SENT, timeout=DELIVERY_TIMEOUT_MS)
        inbox = Inbox(therapist, ayu_token)
        inbox.open(session)
        inbox.reply("Hello Nadia! Yes, 3 pm works. Villa or hotel?")
        expect(customer.locator("li.message--therapist")).to_have_count(1, timeout=DELIVERY_TIMEOUT_MS)
        expect(own_message(customer, "tomorrow at 3 pm").locator(STATE)).to_have_text(words.MESSAGE_READ,
                                                                                      timeout=5_000)
        customer_context.set_offline(True)
        send_message(customer, "A villa in Ubud, thank you!")
        expect(own_message(customer, "villa in Ubud").locator(STATE)).to_have_text(
            words.MESSAGE_WAITING, timeout=DELIVERY_TIMEOUT_MS)
        SCREENSHOTS.mkdir(exist_ok=True)
        customer.screenshot(path=SCREENSHOTS / f"{viewport}-9-conversation.png", full_page=True,
                            animations="disabled", caret="hide")
        customer_context.set_offline(False)
        expect(inbox.log).to_contain_text("A villa in Ubud, thank you!", timeout=DELIVERY_TIMEOUT_MS)
        therapist.screenshot(path=SCREENSHOTS / f"inbox-{viewport}-5-live-conversation.png", full_page=True,
                             animations="disabled", caret="hide")
        for page in (customer, therapist):
            assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        problems.check()
    finally:
        customer_context.close()
        therapist_context.close()
