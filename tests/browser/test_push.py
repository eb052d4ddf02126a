"""Web Push switches in Chromium, on the real server with push on (VAPID keys, a local push service).

``PushManager.subscribe`` is stubbed (``tests.browser.push_helpers``): the headless browser cannot
reach a real push service. The permission, the service worker that shows the notification and the
server that stores the subscription are real: the tests read the server's database, and deliver
pushes to the worker with the DevTools protocol (``ServiceWorker.deliverPushMessage``).
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from app.domain import words
from tests.browser.chat_helpers import wait_until
from tests.browser.conftest import wait_ready
from tests.browser.helpers import FIRST_THERAPIST, customer_id, guarded_context, open_window, send_message
from tests.browser.push_helpers import PushedWorker, stored_subscriptions, stub_state, subscription_stub
from tests.browser.test_language import _customer_writes
from tests.support.receiver import Receiver

INBOX_SWITCH = "Notify me on this device"
CUSTOMER_SWITCH = "Notify me when Ayu Lestari answers"


def sign_in(page: Page, token: str) -> None:
    page.goto("/inbox.html")
    wait_ready(page)
    page.get_by_label("Access token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def rows_for(database: Path, owner_type: str, owner_id: str) -> list[dict]:
    return [row for row in stored_subscriptions(database)
            if row["owner_type"] == owner_type and row["owner_id"] == owner_id]


def test_the_inbox_switch_stores_the_subscription_a_push_shows_a_notification_and_off_deletes_it(
        browser: Browser, live_backend: tuple[str, Path], ayu_token: str, push_service: Receiver,
        vapid_keys: tuple[str, str]) -> None:
    live_server, database = live_backend
    with guarded_context(browser, live_server, init_scripts=(subscription_stub(push_service.origin),)) as (
            context, _):
        context.grant_permissions(["notifications"])
        page = context.new_page()
        worker = PushedWorker(context, page)
        sign_in(page, ayu_token)
        switch = page.get_by_role("switch", name=INBOX_SWITCH)
        expect(switch).to_be_visible()
        expect(switch).not_to_be_checked()
        assert stub_state(page) == {}  # nothing asked or subscribed on load

        switch.click()
        expect(switch).to_be_checked()
        expect(page.get_by_role("status").filter(has_text=words.PUSH_ON)).to_be_visible()
        options = stub_state(page)["options"]
        assert options == {"userVisibleOnly": True, "applicationServerKey": vapid_keys[1]}
        endpoint = stub_state(page)["subscription"]["endpoint"]
        stored = wait_until(lambda: rows_for(database, "therapist", "t-ayu"))
        assert [row["endpoint"] for row in stored] == [endpoint] and stored[0]["language"] == "en"

        page.reload()
        wait_ready(page)
        expect(page.get_by_role("switch", name=INBOX_SWITCH)).to_be_checked()  # still on after a reload
        page.get_by_role("button", name="Bahasa Indonesia").click()  # the next notifications in Indonesian
        expect(page.get_by_role("switch", name="Beri tahu saya di perangkat ini")).to_be_checked()
        wait_until(lambda: rows_for(database, "therapist", "t-ayu")[0]["language"] == "id")
        page.get_by_role("button", name="English").click()

        worker.push(live_server, {"id": "ntf_1", "title": "Message from Ana Putri", "body": "Is 3 pm free?",
                                  "url": "/inbox.html?session=session_t-ayu_x", "tag": "conversation:x"})
        shown = wait_until(lambda: worker.notifications())
        assert shown == [{"title": "Message from Ana Putri", "body": "Is 3 pm free?", "tag": "conversation:x",
                          "data": {"url": f"{live_server}/inbox.html?session=session_t-ayu_x", "id": "ntf_1"}}]

        page.get_by_role("switch", name=INBOX_SWITCH).click()
        expect(page.get_by_role("switch", name=INBOX_SWITCH)).not_to_be_checked()
        wait_until(lambda: not rows_for(database, "therapist", "t-ayu"))
        assert stub_state(page)["subscription"] is None  # unsubscribed in the browser too


def test_signing_out_of_the_inbox_deletes_the_subscription(
        browser: Browser, live_backend: tuple[str, Path], ayu_token: str, push_service: Receiver) -> None:
    live_server, database = live_backend
    with guarded_context(browser, live_server, init_scripts=(subscription_stub(push_service.origin),)) as (
            context, _):
        context.grant_permissions(["notifications"])
        page = context.new_page()
        sign_in(page, ayu_token)
        page.get_by_role("switch", name=INBOX_SWITCH).click()
        expect(page.get_by_role("switch", name=INBOX_SWITCH)).to_be_checked()
        wait_until(lambda: rows_for(database, "therapist", "t-ayu"))

        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_label("Access token")).to_be_visible()
        expect(page.get_by_role("switch", name=INBOX_SWITCH)).to_be_hidden()
        wait_until(lambda: not rows_for(database, "therapist", "t-ayu"))
        assert stub_state(page)["subscription"] is None


def test_the_customer_switch_shows_after_a_first_message_and_forget_me_deletes_the_subscription(
        browser: Browser, live_backend: tuple[str, Path], push_service: Receiver) -> None:
    live_server, database = live_backend
    with guarded_context(browser, live_server, init_scripts=(subscription_stub(push_service.origin),)) as (
            context, _):
        context.grant_permissions(["notifications"])
        page = context.new_page()
        worker = PushedWorker(context, page)
        open_window(page, f"/?therapist={FIRST_THERAPIST}")
        switch = page.get_by_role("switch", name=CUSTOMER_SWITCH)
        expect(page.locator("#push-box")).to_be_hidden()  # nothing sent yet: nothing to be told about
        send_message(page, "Hello, is tomorrow at 10 free?")
        expect(switch).to_be_visible()

        switch.click()
        expect(switch).to_be_checked()
        me = customer_id(page)
        stored = wait_until(lambda: rows_for(database, "customer", me))
        assert stored[0]["endpoint"] == stub_state(page)["subscription"]["endpoint"]

        worker.push(live_server, {"id": "ntf_2", "title": "Ayu Lestari answered", "body": "Yes, 10 is free",
                                  "url": f"/index.html?therapist={FIRST_THERAPIST}", "tag": "conversation:y"})
        shown = wait_until(lambda: worker.notifications())
        assert [(n["title"], n["body"]) for n in shown] == [("Ayu Lestari answered", "Yes, 10 is free")]

        page.get_by_role("button", name="Forget me on this device").click()
        page.get_by_role("dialog").get_by_role("button", name="Forget me", exact=True).click()
        page.wait_for_load_state()
        wait_ready(page)
        wait_until(lambda: not rows_for(database, "customer", me))
        assert stub_state(page)["subscription"] is None
        assert page.evaluate("localStorage.getItem('chatbooking:v1:push')") is None
        expect(page.locator("#push-box")).to_be_hidden()  # a new visitor, who has sent nothing


def test_a_refused_permission_is_said_next_to_the_switch(
        browser: Browser, live_backend: tuple[str, Path], ayu_token: str, push_service: Receiver) -> None:
    live_server, database = live_backend
    # No permission granted: headless Chromium answers the prompt with "denied", as a person blocking it.
    with guarded_context(browser, live_server, init_scripts=(subscription_stub(push_service.origin),)) as (
            context, _):
        page = context.new_page()
        sign_in(page, ayu_token)
        before = len(stored_subscriptions(database))
        switch = page.get_by_role("switch", name=INBOX_SWITCH)
        expect(switch).to_be_visible()
        assert page.evaluate("Notification.permission") == "default"  # never asked on load
        expect(page.locator("#push-note")).to_have_text("")
        switch.click()
        expect(page.locator("#push-note")).to_have_text(words.PUSH_BLOCKED)
        expect(switch).not_to_be_checked()
        assert stub_state(page) == {} and len(stored_subscriptions(database)) == before
        page.reload()
        wait_ready(page)
        expect(page.locator("#push-note")).to_have_text(words.PUSH_BLOCKED)  # said on every visit


def test_a_browser_without_the_push_api_says_so(
        browser: Browser, live_backend: tuple[str, Path], ayu_token: str) -> None:
    live_server, _ = live_backend
    no_push = "delete window.PushManager;"
    with guarded_context(browser, live_server, init_scripts=(no_push,)) as (context, _):
        page = context.new_page()
        sign_in(page, ayu_token)
        expect(page.get_by_role("switch", name=INBOX_SWITCH)).to_be_disabled()
        expect(page.locator("#push-note")).to_have_text(words.PUSH_UNSUPPORTED)


def test_a_notification_for_a_conversation_opens_it_in_the_inbox(
        browser: Browser, live_backend: tuple[str, Path], ayu_token: str) -> None:
    live_server, _ = live_backend
    session = _customer_writes(live_server, "Could we do Friday instead?")
    other = _customer_writes(live_server, "Is Sunday possible?")
    with guarded_context(browser, live_server) as (context, _):
        page = context.new_page()
        sign_in(page, ayu_token)
        page.goto("/inbox.html?session=not:a/session")  # a crafted link opens nothing (and breaks nothing)
        wait_ready(page)
        expect(page.locator("#inbox")).to_have_attribute("data-pane", "list")
        page.goto(f"/inbox.html?session={session}")  # what a click opens when no inbox window is open
        wait_ready(page)
        expect(page.locator("#inbox")).to_have_attribute("data-pane", "conversation")
        expect(page.get_by_role("log", name="Messages")).to_contain_text("Could we do Friday instead?")
        # An inbox already open: the worker focuses it and posts what to open (sw.js, notificationclick).
        page.evaluate("""url => navigator.serviceWorker.dispatchEvent(
            new MessageEvent("message", {data: {type: "chatbooking:open", url}}))""",
                      f"{live_server}/inbox.html?session={other}")
        expect(page.get_by_role("log", name="Messages")).to_contain_text("Is Sunday possible?")
