"""The customer's side of a booking request (issue 17), through the real server and Chromium.

A customer whose browser is in New York picks a 15:00 WITA start and reads both clocks; the
request shows ``Waiting for <name> to accept`` under ``Your booking`` and follows what happens to
it live, after a reload and offline. The therapist's side is driven through the real API with a
therapist token (``ayu_token``), as the inbox would.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import wait_ready
from tests.browser.helpers import fill_booking, guarded_context, wait_for_stored_draft
from tests.browser.sync_helpers import NETWORK_CONSOLE_ERRORS
from tests.support.server import GENEROUS_LIMITS, TEST_ADMIN_TOKEN, running_server

LIVE_MS = 3_000  # the promise: a status change shows within 3 s while the page is open
SEND_MS = 30_000


def your_booking(page: Page):
    return page.get_by_role("region", name="Your booking")


def open_page(page: Page, therapist: str = "t-ayu") -> None:
    page.goto(f"/?therapist={therapist}")
    wait_ready(page)


def choose_a_start(page: Page, wanted: str) -> str:
    """Choose a time: the first day whose free starts include ``wanted`` (e.g. "15:00 WITA"); returns its label."""
    page.get_by_role("group", name="When").get_by_role("radio", name="Choose a time").check()
    dates = page.get_by_label("Date", exact=True)
    starts = page.get_by_label("Start time")
    for value in dates.locator("option").evaluate_all("options => options.map(o => o.value)"):
        dates.select_option(value)
        expect(page.locator("#times-status")).not_to_have_text("Loading the free times…", timeout=SEND_MS)
        labels = starts.locator("option").all_inner_texts()
        found = next((label for label in labels if label.startswith(wanted)), None)
        if found:
            starts.select_option(label=found)
            return found
    raise AssertionError(f"no day offers {wanted}")


def test_a_customer_in_new_york_picks_15_00_wita_and_sees_both_times(browser: Browser, live_server: str) -> None:
    with guarded_context(browser, live_server, timezone_id="America/New_York") as (context, _problems):
        page = context.new_page()
        open_page(page)
        # 15:00 WITA is 07:00 UTC: 02:00 in New York in winter (EST), 03:00 in summer (EDT).
        label = choose_a_start(page, "15:00 WITA")
        assert re.fullmatch(r"15:00 WITA \(0[23]:00 your time\)", label), label
        fill_booking(page, name="Nora York", when="Choose a time")
        page.get_by_role("button", name="Order now").click()
        expect(page.get_by_role("region", name="Request sent")).to_be_visible(timeout=SEND_MS)
        booking = your_booking(page)
        expect(booking).to_contain_text(re.compile(r"15:00 WITA \(0[23]:00 your time\)"))
        expect(booking).to_contain_text("Waiting for Ayu Lestari to accept")
        expect(booking.get_by_role("button", name="Cancel this booking")).to_be_visible()
        # The request is one line in the chat, in the reader's words, once.
        chat = page.get_by_role("list", name="Chat history")
        expect(chat).to_contain_text("You asked Ayu Lestari for a booking on", timeout=SEND_MS)
        expect(chat.locator("li", has_text="You asked Ayu Lestari")).to_have_count(1)


def test_a_browser_in_the_therapists_zone_shows_the_time_once(browser: Browser, live_server: str) -> None:
    with guarded_context(browser, live_server, timezone_id="Asia/Makassar") as (context, _problems):
        page = context.new_page()
        open_page(page, "t-sari")
        label = choose_a_start(page, "15:00 WITA")
        assert label == "15:00 WITA"


def test_the_time_choice_and_the_booking_survive_a_reload(browser: Browser, live_server: str) -> None:
    with guarded_context(browser, live_server, timezone_id="Europe/Berlin") as (context, _problems):
        page = context.new_page()
        open_page(page, "t-sari")
        label = choose_a_start(page, "16:00 WITA")
        fill_booking(page, name="Rita Reload", when="Choose a time", address="Villa Kayu, gate code 4411")
        page.get_by_role("checkbox", name="Send me updates on WhatsApp").check()
        chosen_date = page.get_by_label("Date", exact=True).input_value()
        wait_for_stored_draft(page, "t-sari", address="Villa Kayu, gate code 4411", whatsapp_updates=True)
        page.reload()
        wait_ready(page)
        expect(page.get_by_role("radio", name="Choose a time")).to_be_checked()
        expect(page.get_by_label("Date", exact=True)).to_have_value(chosen_date)
        expect(page.get_by_label("Start time").locator("option:checked")).to_have_text(label)
        expect(page.get_by_label("Address")).to_have_value("Villa Kayu, gate code 4411")
        expect(page.get_by_role("checkbox", name="Send me updates on WhatsApp")).to_be_checked()

        page.get_by_role("button", name="Order now").click()
        expect(your_booking(page)).to_contain_text("Waiting for Sari Dewi to accept", timeout=SEND_MS)
        when = your_booking(page).locator("#your-booking-when").inner_text()
        page.reload()
        wait_ready(page)
        expect(your_booking(page)).to_contain_text("Waiting for Sari Dewi to accept")
        expect(your_booking(page).locator("#your-booking-when")).to_have_text(when)


def test_an_empty_address_and_no_time_choice_are_named_in_the_list(app_page: Page) -> None:
    open_page(app_page)
    app_page.get_by_role("button", name="Order now").click()
    errors = app_page.get_by_role("alert").filter(has_text="Please fix")
    expect(errors).to_contain_text("Please choose when: as soon as possible, or a time")
    expect(errors).to_contain_text("Your address is required: the place and how to find it")
    expect(app_page.get_by_label("Address")).to_have_attribute("aria-invalid", "true")
    expect(app_page.get_by_role("group", name="When")).to_have_attribute("aria-invalid", "true")
    app_page.get_by_role("radio", name="Choose a time").check()
    app_page.get_by_role("button", name="Order now").click()
    expect(errors).to_contain_text("Please choose a start time")
    expect(app_page.get_by_label("Start time")).to_have_attribute("aria-invalid", "true")


# --- expiry: a server whose requests wait only a few seconds -------------------------------------------


@pytest.fixture(scope="module")
def short_ttl_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database: Path = tmp_path_factory.mktemp("ttl") / "bookings.sqlite3"
    env = {"BOOKING_ADMIN_TOKEN": TEST_ADMIN_TOKEN, "BOOKING_REQUEST_TTL": "4", **GENEROUS_LIMITS}
    with running_server(database, env=env) as base_url:
        yield base_url


def test_a_request_nobody_answers_expires_live_and_offers_another_time(browser: Browser,
                                                                       short_ttl_server: str) -> None:
    with guarded_context(browser, short_ttl_server) as (context, _problems):
        page = context.new_page()
        open_page(page, "t-sari")
        fill_booking(page, name=f"Eka Expiry {uuid.uuid4().hex[:4]}")
        page.get_by_role("button", name="Order now").click()
        booking = your_booking(page)
        expect(booking).to_contain_text("Waiting for Sari Dewi to accept", timeout=SEND_MS)
        expect(booking.locator("#your-booking-status")).to_have_text("Expired", timeout=4_000 + 2_000 + LIVE_MS)
        expect(booking).to_contain_text("Nobody answered in time.")
        expect(booking.get_by_role("button", name="Cancel this booking")).to_be_hidden()
        expect(page.get_by_role("list", name="Chat history")).to_contain_text("expired: nobody answered in time")
        page.reload()
        wait_ready(page)
        expect(your_booking(page).locator("#your-booking-status")).to_have_text("Expired")
        your_booking(page).get_by_role("button", name="Pick another time").click()
        expect(page.get_by_role("radio", name="Choose a time")).to_be_checked()
        expect(page.get_by_label("Date", exact=True)).to_be_focused()
        assert httpx.get(short_ttl_server + "/api/health").status_code == 200


# --- the therapist answers (driven through the real API, as the inbox would) ----------------------------


def therapist_acts(live_server: str, token: str, booking_id: str, action: str, reason: str = "") -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
    body = {"reason": reason} if reason else {}
    return httpx.post(f"{live_server}/api/therapist/bookings/{booking_id}/{action}", json=body, headers=headers,
                      timeout=30)


def order_asap(page: Page, name: str) -> str:
    """Order "as soon as possible" with Ayu; returns the booking's id (the reference the page shows)."""
    open_page(page)
    fill_booking(page, name=name)
    page.get_by_role("button", name="Order now").click()
    expect(page.get_by_role("region", name="Request sent")).to_be_visible(timeout=SEND_MS)
    expect(your_booking(page)).to_contain_text("Waiting for Ayu Lestari to accept")
    return page.locator("#confirmation-ref").inner_text()


def test_the_therapist_accepts_and_the_customer_sees_booking_confirmed_live(
        app_page: Page, live_server: str, ayu_token: str) -> None:
    booking_id = order_asap(app_page, f"Ana Accept {uuid.uuid4().hex[:4]}")
    chat = app_page.get_by_role("list", name="Chat history")
    expect(chat).to_contain_text("You asked Ayu Lestari", timeout=SEND_MS)  # the long poll is running
    assert therapist_acts(live_server, ayu_token, booking_id, "accept").status_code == 200
    status = your_booking(app_page).locator("#your-booking-status")
    expect(status).to_have_text("Booking confirmed", timeout=LIVE_MS)
    expect(chat.locator("li", has_text="Ayu Lestari confirmed your booking for")).to_have_count(1)
    expect(your_booking(app_page).get_by_role("button", name="Cancel this booking")).to_be_visible()
    app_page.reload()
    wait_ready(app_page)
    expect(status).to_have_text("Booking confirmed")
    expect(chat.locator("li", has_text="Ayu Lestari confirmed your booking for")).to_have_count(1)


def test_a_decline_shows_the_therapists_reason_and_a_way_to_pick_another_time(
        app_page: Page, live_server: str, ayu_token: str) -> None:
    booking_id = order_asap(app_page, f"Dewi Decline {uuid.uuid4().hex[:4]}")
    assert therapist_acts(live_server, ayu_token, booking_id, "decline", "Fully booked").status_code == 200
    booking = your_booking(app_page)
    expect(booking.locator("#your-booking-status")).to_have_text("Declined", timeout=LIVE_MS)
    expect(booking).to_contain_text("Reason: Fully booked")
    expect(booking.get_by_role("button", name="Cancel this booking")).to_be_hidden()
    expect(app_page.get_by_role("list", name="Chat history")).to_contain_text(
        "Ayu Lestari declined your booking for")
    booking.get_by_role("button", name="Pick another time").click()
    expect(app_page.get_by_role("radio", name="Choose a time")).to_be_checked()


def test_a_cancel_made_offline_waits_for_the_network_and_is_sent_once(
        browser: Browser, live_server: str) -> None:
    with guarded_context(browser, live_server, allowed_console_errors=tuple(NETWORK_CONSOLE_ERRORS)) as (context, _):
        page = context.new_page()
        posts: list[str] = []
        page.on("response", lambda response: posts.append(response.url)  # answered: reached the server
                if response.request.method == "POST" and response.url.endswith("/cancel") else None)
        order_asap(page, f"Oka Offline {uuid.uuid4().hex[:4]}")
        context.set_offline(True)
        booking = your_booking(page)
        booking.get_by_role("button", name="Cancel this booking").click()
        dialog = page.get_by_role("dialog", name=re.compile("^Cancel your booking for"))
        dialog.get_by_label("Reason (optional)").fill("Plans changed")
        dialog.get_by_role("button", name="Cancel this booking").click()
        expect(booking.locator("#cancel-state")).to_have_text("Waiting for network", timeout=SEND_MS)
        expect(booking.locator("#your-booking-status")).to_have_text("Waiting for Ayu Lestari to accept")
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(booking.locator("#your-booking-status")).to_have_text("Cancelled", timeout=SEND_MS)
        expect(booking).to_contain_text("Cancelled by you")
        expect(booking.locator("#cancel-state")).to_be_hidden()
        expect(page.get_by_role("list", name="Chat history")).to_contain_text("You cancelled your booking for",
                                                                              timeout=SEND_MS)
        assert len(posts) == 1  # offline attempts never leave the browser; the one that did cancelled


def test_a_cancel_after_the_therapist_declined_is_not_sent_and_says_why(
        browser: Browser, live_server: str, ayu_token: str) -> None:
    with guarded_context(browser, live_server, allowed_console_errors=tuple(NETWORK_CONSOLE_ERRORS)) as (context, _):
        page = context.new_page()
        booking_id = order_asap(page, f"Nia Late {uuid.uuid4().hex[:4]}")
        context.set_offline(True)
        booking = your_booking(page)
        booking.get_by_role("button", name="Cancel this booking").click()
        page.get_by_role("dialog", name=re.compile("^Cancel your booking for")).get_by_role(
            "button", name="Cancel this booking").click()
        expect(booking.locator("#cancel-state")).to_have_text("Waiting for network", timeout=SEND_MS)
        # Meanwhile the therapist declines (the long poll may already bring it to this page).
        assert therapist_acts(live_server, ayu_token, booking_id, "decline", "Not available then").status_code == 200
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(booking.locator("#cancel-state")).to_have_text("Not sent: the booking is already “Declined”.",
                                                              timeout=SEND_MS)
        expect(booking.locator("#your-booking-status")).to_have_text("Declined")
        expect(booking).to_contain_text("Reason: Not available then", timeout=SEND_MS)


def test_a_time_taken_meanwhile_is_said_on_start_time_and_the_free_times_come_again(
        browser: Browser, live_server: str) -> None:
    taken = "That time was just taken; please choose another start time"
    with guarded_context(browser, live_server) as (first_context, _), \
            guarded_context(browser, live_server, allowed_console_errors=("status of 409",)) as (second_context, _):
        first, second = first_context.new_page(), second_context.new_page()
        open_page(first, "t-made")
        open_page(second, "t-made")
        label = choose_a_start(first, "17:00 WITA")
        assert choose_a_start(second, "17:00 WITA") == label  # both see it free
        fill_booking(first, name="Fast Customer", when="Choose a time")
        fill_booking(second, name="Slow Customer", when="Choose a time")
        first.get_by_role("button", name="Order now").click()
        expect(your_booking(first)).to_contain_text("Waiting for Made Wirawan to accept", timeout=SEND_MS)

        second.get_by_role("button", name="Order now").click()
        errors = second.get_by_role("alert").filter(has_text="Please fix")
        expect(errors).to_contain_text(taken, timeout=SEND_MS)
        start = second.get_by_label("Start time")
        expect(start).to_have_attribute("aria-invalid", "true")
        expect(start.locator("option:checked")).to_have_text(f"{label} (no longer free)", timeout=SEND_MS)
        expect(your_booking(second)).to_be_hidden()
        # Another free start goes through at once (a new request, under a new key).
        start.select_option(index=1)
        second.get_by_role("button", name="Order now").click()
        expect(your_booking(second)).to_contain_text("Waiting for Made Wirawan to accept", timeout=SEND_MS)
