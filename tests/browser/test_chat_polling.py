"""When the customer page long-polls for replies: only once the conversation exists, and never
starting a poll while the page is hidden (README: a hidden tab holds no connection open).

The page is made hidden the way the browser would tell it (``document.visibilityState`` and a
``visibilitychange`` event, set from the test: headless Chromium has no window to minimise).
"""

from __future__ import annotations

import time

from playwright.sync_api import Page, Request, expect

from app.domain import words
from tests.browser.chat_helpers import DELIVERY_TIMEOUT_MS, TherapistApi, own_message
from tests.browser.conftest import PageProblems
from tests.browser.helpers import current_session, open_window, send_message

# The poller starts its next poll the moment an answer is handled (milliseconds); a page that
# kept polling while hidden would have asked again long before this.
QUIET_S = 2.0


def is_long_poll(request: Request) -> bool:
    path, _, query = request.url.partition("?")
    return request.method == "GET" and "/api/conversations/" in path and path.endswith("/messages") \
        and "wait=" in query


def set_visibility(page: Page, state: str) -> None:
    page.evaluate("""state => {
        Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
        Object.defineProperty(document, "hidden", { configurable: true, get: () => state === "hidden" });
        document.dispatchEvent(new Event("visibilitychange"));
    }""", state)


def test_no_long_poll_before_the_conversation_exists_nor_while_the_page_is_hidden(
        app_page: Page, page_problems: PageProblems, live_server: str, ayu_token: str) -> None:
    polls: list[float] = []
    app_page.on("request", lambda request: polls.append(time.monotonic()) if is_long_poll(request) else None)
    open_window(app_page, "/?therapist=t-ayu")
    # A waiting poll would keep the network busy: idle means none is open, and none was made.
    app_page.wait_for_load_state("networkidle")
    assert polls == [], "a long poll for a conversation the server does not know"

    with app_page.expect_request(is_long_poll, timeout=DELIVERY_TIMEOUT_MS):
        send_message(app_page, "Hello, is 3 pm free?")  # the conversation exists from here on
    expect(own_message(app_page, "Hello, is 3 pm free?")).to_contain_text(words.MESSAGE_SENT,
                                                                          timeout=DELIVERY_TIMEOUT_MS)

    set_visibility(app_page, "hidden")
    therapist = TherapistApi(live_server, ayu_token)
    # The poll under way is left to finish: the reply answers it (and shows on the hidden page).
    with app_page.expect_response(lambda response: is_long_poll(response.request), timeout=DELIVERY_TIMEOUT_MS):
        therapist.reply(current_session(app_page), "Yes, 3 pm is free")
    # Taken before any later event is handled (the sync API handles events only while it waits).
    answered = time.monotonic()
    expect(app_page.get_by_text("Yes, 3 pm is free")).to_be_visible(timeout=DELIVERY_TIMEOUT_MS)
    app_page.wait_for_timeout(QUIET_S * 1000)  # absence: see QUIET_S
    assert [at for at in polls if at > answered] == [], "a new long poll while the page was hidden"

    with app_page.expect_request(is_long_poll, timeout=DELIVERY_TIMEOUT_MS):
        set_visibility(app_page, "visible")  # visible again: it catches up at once
