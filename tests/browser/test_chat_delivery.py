"""The customer's chat reaches the therapist: each message exactly once, replies live, states shown.

The customer page runs in Chromium against the real server; the therapist's side is the real
therapist API over HTTP (the inbox page's own tests drive that page). Every page fails its test
on a console error, except the network errors a test causes on purpose.
"""

from __future__ import annotations

from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.browser.chat_helpers import DELIVERY_TIMEOUT_MS, TherapistApi, own_message, queued_messages, wait_until
from tests.browser.helpers import current_session, fill_booking, messages, open_window, send_message
from tests.browser.sync_helpers import NETWORK_CONSOLE_ERRORS

STATE = ".message__status"


def test_a_message_reaches_the_therapist_whose_reply_arrives_live_and_read_is_shown(
        app_page: Page, live_server: str, ayu_token: str) -> None:
    open_window(app_page, "/?therapist=t-ayu")
    session = current_session(app_page)
    ayu = TherapistApi(live_server, ayu_token)
    send_message(app_page, "Hi Ayu, is 3 pm free tomorrow?")
    mine = own_message(app_page, "is 3 pm free")
    expect(mine.locator(STATE)).to_have_text("Sent", timeout=DELIVERY_TIMEOUT_MS)
    assert ayu.customer_texts(session) == ["Hi Ayu, is 3 pm free tomorrow?"]
    ayu.reply(session, "Yes, 3 pm works. Villa or hotel?")
    reply = app_page.get_by_role("list", name="Chat history").locator("li.message--therapist")
    expect(reply.locator(".message__text")).to_have_text("Yes, 3 pm works. Villa or hotel?", timeout=3_000)
    expect(reply.locator(".message__meta")).to_contain_text("Ayu Lestari")
    ayu.read(session)
    expect(mine.locator(STATE)).to_have_text("Read", timeout=5_000)
    expect(messages(app_page).locator(".message__text")).to_have_text(
        ["Hi Ayu, is 3 pm free tomorrow?", "Yes, 3 pm works. Villa or hotel?"])


def test_offline_messages_wait_for_the_network_then_arrive_exactly_once(
        app_context: BrowserContext, app_page: Page, page_problems, live_server: str, ayu_token: str) -> None:
    page_problems.allowed_console_errors.extend(NETWORK_CONSOLE_ERRORS)
    open_window(app_page, "/?therapist=t-ayu")
    session = current_session(app_page)
    app_context.set_offline(True)
    app_page.evaluate("() => window.dispatchEvent(new Event('offline'))")
    send_message(app_page, "First while offline")
    send_message(app_page, "Second while offline")
    for text in ("First while offline", "Second while offline"):
        expect(own_message(app_page, text).locator(STATE)).to_have_text("Waiting for network",
                                                                        timeout=DELIVERY_TIMEOUT_MS)
    app_context.set_offline(False)
    for text in ("First while offline", "Second while offline"):
        expect(own_message(app_page, text).locator(STATE)).to_have_text("Sent", timeout=DELIVERY_TIMEOUT_MS)
    ayu = TherapistApi(live_server, ayu_token)
    assert ayu.customer_texts(session) == ["First while offline", "Second while offline"]
    assert queued_messages(app_page) == 0


def test_a_lost_response_to_the_first_post_does_not_deliver_the_message_twice(
        app_page: Page, page_problems, live_server: str, ayu_token: str) -> None:
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
    expect(own_message(app_page, "Only once please").locator(STATE)).to_have_text("Sent",
                                                                                 timeout=DELIVERY_TIMEOUT_MS)
    assert TherapistApi(live_server, ayu_token).customer_texts(session) == ["Only once please"]


def test_a_reload_mid_conversation_loses_nothing_and_duplicates_nothing(
        app_page: Page, live_server: str, ayu_token: str) -> None:
    open_window(app_page, "/?therapist=t-ayu")
    session = current_session(app_page)
    ayu = TherapistApi(live_server, ayu_token)
    send_message(app_page, "Before the reload")
    expect(own_message(app_page, "Before the reload").locator(STATE)).to_have_text(
        "Sent", timeout=DELIVERY_TIMEOUT_MS)
    ayu.reply(session, "Reply one")
    expect(messages(app_page)).to_have_count(2, timeout=DELIVERY_TIMEOUT_MS)
    app_page.reload()
    open_window(app_page, "/?therapist=t-ayu")
    ayu.reply(session, "Reply two, sent during the reload")
    expect(messages(app_page).locator(".message__text")).to_have_text(
        ["Before the reload", "Reply one", "Reply two, sent during the reload"], timeout=DELIVERY_TIMEOUT_MS)
    app_page.reload()
    open_window(app_page, "/?therapist=t-ayu")
    expect(messages(app_page)).to_have_count(3)


def test_after_reset_chat_old_messages_stay_away_on_the_next_sync_and_the_chat_goes_on(
        app_page: Page, live_server: str, ayu_token: str) -> None:
    open_window(app_page, "/?therapist=t-ayu")
    session = current_session(app_page)
    ayu = TherapistApi(live_server, ayu_token)
    fill_booking(app_page, name="Reset Tester")
    send_message(app_page, "An old question")
    ayu.reply(session, "An old answer")
    expect(messages(app_page)).to_have_count(2, timeout=DELIVERY_TIMEOUT_MS)
    app_page.get_by_role("button", name="Reset chat").click()
    app_page.get_by_role("dialog").get_by_role("button", name="Clear chat").click()
    expect(messages(app_page)).to_have_count(0)
    app_page.reload()
    open_window(app_page, "/?therapist=t-ayu")
    expect(app_page.get_by_label("Your name")).to_have_value("Reset Tester")  # the booking stayed
    ayu.reply(session, "A new answer after the reset")
    expect(messages(app_page).locator(".message__text")).to_have_text(["A new answer after the reset"],
                                                                      timeout=DELIVERY_TIMEOUT_MS)
    assert ayu.customer_texts(session) == ["An old question"]  # the server keeps it for the therapist


def test_a_booking_made_from_the_chat_is_in_the_therapists_conversation(
        app_page: Page, live_server: str, ayu_token: str) -> None:
    open_window(app_page, "/?therapist=t-ayu")
    session = current_session(app_page)
    fill_booking(app_page, name="Chat Booker")
    app_page.get_by_role("button", name="Order now").click()
    expect(app_page.get_by_role("region", name="Booking confirmed")).to_be_visible(timeout=DELIVERY_TIMEOUT_MS)
    ayu = TherapistApi(live_server, ayu_token)
    conversation = wait_until(lambda: next((c for c in ayu.conversations() if c["session_id"] == session), None))
    assert conversation["customer_name"] == "Chat Booker"
    assert [b["booking"]["customer_name"] for b in ayu.bookings(session)] == ["Chat Booker"]


def test_a_reply_while_scrolled_up_shows_a_marker_instead_of_moving_the_list(
        app_page: Page, live_server: str, ayu_token: str) -> None:
    open_window(app_page, "/?therapist=t-ayu")
    session = current_session(app_page)
    ayu = TherapistApi(live_server, ayu_token)
    for n in range(12):
        send_message(app_page, f"Question number {n} with enough words to fill a line or two")
    expect(own_message(app_page, "Question number 11").locator(STATE)).to_have_text(
        "Sent", timeout=DELIVERY_TIMEOUT_MS)
    history = app_page.get_by_role("list", name="Chat history")
    history.evaluate("list => { list.scrollTop = 0; list.dispatchEvent(new Event('scroll')); }")
    ayu.reply(session, "A reply you have not seen yet")
    marker = app_page.get_by_role("button", name="1 new message ↓")
    expect(marker).to_be_visible(timeout=DELIVERY_TIMEOUT_MS)
    assert history.evaluate("list => list.scrollTop") == 0
    marker.click()
    expect(marker).to_be_hidden()
    assert history.evaluate("list => list.scrollHeight - list.scrollTop - list.clientHeight") < 48
    assert history.get_attribute("aria-live") == "polite"
