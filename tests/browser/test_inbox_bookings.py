"""The therapist answers bookings in the inbox (issue 17), in Chromium against the real server.

The customer's side is played over the real API at the same time (their token, their booking request
for the first free time, their cancel), so every change the therapist sees arrives the way it does in
use: through the conversation's long poll, as a system message. What reached the server is checked on
the server: the booking's status, and exactly one system message per transition.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import httpx
from playwright.sync_api import BrowserContext, Page, expect

from app.domain import words
from app.inbox.when import day_heading, when
from tests.browser.conftest import PageProblems, wait_ready
from tests.browser.helpers import OFFLINE_CONSOLE_ERRORS
from tests.browser.test_inbox import Customer, cli_token, conversation, database, live_server, log, sign_in
from tests.support.server import GENEROUS_LIMITS, running_server

__all__ = ["database", "live_server"]  # the inbox module's own server (the CLI writes tokens into its database)

HTTP_409 = "status of 409"  # Chromium logs the refused answer as a console error


def booking_card(page: Page, booking_id: str):
    return page.get_by_role("list", name="Bookings", exact=True).locator(f"li[data-booking='{booking_id}']")


def upcoming(page: Page):
    return page.get_by_role("list", name="Upcoming bookings")


def when_said(created: dict) -> str:
    return when(datetime.fromisoformat(created["starts_at"]), created["time_zone_label"])


def server_booking(customer: Customer, booking_id: str) -> dict:
    response = httpx.get(f"{customer.base_url}/api/bookings/{booking_id}", headers=customer.auth, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def transitions(customer: Customer, booking_id: str, status: str) -> int:
    """The system messages announcing that ``booking_id`` became ``status`` (one per transition)."""
    return sum(1 for m in customer.page()["messages"] if m["sender_type"] == "system"
               and (m.get("event") or {}).get("booking_id") == booking_id
               and (m.get("event") or {}).get("status") == status)


def open_request(page: Page, database: Path, customer: Customer, name: str) -> dict:
    created = customer.book(name)
    sign_in(page, cli_token(database, "t-ayu"))
    conversation(page, name).get_by_role("button").click()
    expect(booking_card(page, created["id"])).to_contain_text(words.BOOKING_STATUS["requested"])
    return created


def test_a_request_waits_first_in_the_list_with_its_time_address_and_answers(
        app_page: Page, live_server: str, database: Path) -> None:
    requester = Customer(live_server)
    created = requester.book("Komang Request", address="Villa Kayu, Jl. Raya Ubud 12, gate code 4411")
    Customer(live_server).say("Just a question about oils")  # newer activity, but no request
    sign_in(app_page, cli_token(database, "t-ayu"))

    row = conversation(app_page, "Komang Request")
    expect(row).to_contain_text("Request waiting")
    expect(conversation(app_page, "Just a question about oils")).not_to_contain_text("Request waiting")
    names = app_page.get_by_role("list", name="Conversations").get_by_role("listitem").all_inner_texts()
    order = [i for i, text in enumerate(names) if "Komang Request" in text or "Just a question" in text]
    assert "Komang Request" in names[order[0]], names  # waiting first, though the other is newer

    row.get_by_role("button").click()
    card = booking_card(app_page, created["id"])
    for text in (words.BOOKING_STATUS["requested"], when_said(created), "90 min",
                 "Villa Kayu, Jl. Raya Ubud 12, gate code 4411"):
        expect(card).to_contain_text(text)
    expect(card.get_by_role("button", name="Accept", exact=True)).to_be_visible()
    expect(card.get_by_role("button", name="Decline", exact=True)).to_be_visible()
    expect(card.get_by_role("button", name="Cancel", exact=True)).to_have_count(0)
    expect(log(app_page)).to_contain_text(f"Komang Request asked for a booking on {when_said(created)}")


def test_accept_confirms_the_booking_for_both_sides_and_lists_it_in_upcoming_bookings(
        app_page: Page, live_server: str, database: Path) -> None:
    customer = Customer(live_server)
    created = open_request(app_page, database, customer, "Accepting Ana")
    card = booking_card(app_page, created["id"])
    card.get_by_role("button", name="Accept", exact=True).click()

    expect(card).to_contain_text(words.BOOKING_STATUS["confirmed"])
    expect(card.get_by_role("button", name="Cancel", exact=True)).to_be_visible()
    expect(card.get_by_role("button", name="Accept", exact=True)).to_have_count(0)
    assert server_booking(customer, created["id"])["status"] == "confirmed"
    assert transitions(customer, created["id"], "confirmed") == 1
    expect(log(app_page)).to_contain_text(f"You confirmed the booking on {when_said(created)}")

    day = day_heading(datetime.fromisoformat(created["starts_at"]).date())
    mine = upcoming(app_page).get_by_role("listitem").filter(has_text="Accepting Ana").last
    expect(mine).to_contain_text(created["starts_at"][11:16])
    expect(upcoming(app_page).get_by_role("heading", name=day)).to_be_visible()
    expect(conversation(app_page, "Accepting Ana")).not_to_contain_text("Request waiting")


def test_decline_asks_for_a_reason_and_the_customer_reads_it(
        app_page: Page, live_server: str, database: Path) -> None:
    customer = Customer(live_server)
    created = open_request(app_page, database, customer, "Declined Dewi")
    card = booking_card(app_page, created["id"])
    card.get_by_role("button", name="Decline", exact=True).click()

    dialog = app_page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Decline the request for {when_said(created)}?")
    dialog.get_by_role("button", name="Decline request").click()
    expect(dialog.get_by_role("alert")).to_have_text(words.REASON_MISSING)  # required: nothing was sent
    assert server_booking(customer, created["id"])["status"] == "requested"

    dialog.get_by_label("Too far").check()
    dialog.get_by_role("button", name="Decline request").click()
    expect(dialog).to_be_hidden()
    expect(card).to_contain_text(words.BOOKING_STATUS["declined"])
    expect(card).to_contain_text("Too far")
    stored = server_booking(customer, created["id"])
    assert (stored["status"], stored["status_reason"], stored["status_changed_by"]) == ("declined", "Too far",
                                                                                        "therapist")


def test_the_customer_cancels_and_the_inbox_shows_it_live(
        app_page: Page, live_server: str, database: Path) -> None:
    customer = Customer(live_server)
    created = open_request(app_page, database, customer, "Cancelling Citra")
    answer = customer.cancel(created["id"], "My flight changed")
    assert answer.status_code == 200, answer.text

    card = booking_card(app_page, created["id"])
    expect(card).to_contain_text(words.CANCELLED_BY["customer"], timeout=3_000)
    expect(card).to_contain_text("My flight changed")
    expect(card.get_by_role("button")).to_have_count(0)
    expect(log(app_page)).to_contain_text("Cancelling Citra cancelled the booking on")
    expect(conversation(app_page, "Cancelling Citra")).not_to_contain_text("Request waiting")


def test_accept_while_offline_waits_and_is_sent_once_when_back(
        app_context: BrowserContext, app_page: Page, page_problems: PageProblems, live_server: str,
        database: Path) -> None:
    page_problems.allowed_console_errors.extend(OFFLINE_CONSOLE_ERRORS)
    customer = Customer(live_server)
    created = open_request(app_page, database, customer, "Offline Oka")
    card = booking_card(app_page, created["id"])

    app_context.set_offline(True)
    card.get_by_role("button", name="Accept", exact=True).click()
    expect(card).to_contain_text(words.MESSAGE_WAITING)
    expect(card.get_by_role("button")).to_have_count(0)  # one answer at a time
    assert server_booking(customer, created["id"])["status"] == "requested"

    app_context.set_offline(False)
    expect(card).to_contain_text(words.BOOKING_STATUS["confirmed"], timeout=10_000)
    expect(card).not_to_contain_text(words.MESSAGE_WAITING)
    assert server_booking(customer, created["id"])["status"] == "confirmed"
    assert transitions(customer, created["id"], "confirmed") == 1


def test_a_queued_answer_survives_a_reload_and_goes_once(
        app_page: Page, page_problems: PageProblems, live_server: str, database: Path) -> None:
    page_problems.allowed_console_errors.extend(OFFLINE_CONSOLE_ERRORS)
    customer = Customer(live_server)
    created = open_request(app_page, database, customer, "Reloading Rina")
    accept = f"**/api/therapist/bookings/{created['id']}/accept"
    app_page.route(accept, lambda route: route.abort("internetdisconnected"))  # the network drops it
    booking_card(app_page, created["id"]).get_by_role("button", name="Accept", exact=True).click()
    expect(booking_card(app_page, created["id"])).to_contain_text(words.MESSAGE_WAITING)

    app_page.reload()
    wait_ready(app_page)
    conversation(app_page, "Reloading Rina").get_by_role("button").click()
    card = booking_card(app_page, created["id"])
    expect(card).to_contain_text(words.MESSAGE_WAITING)  # kept on the device, not lost
    assert server_booking(customer, created["id"])["status"] == "requested"

    app_page.unroute(accept)
    app_page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(card).to_contain_text(words.BOOKING_STATUS["confirmed"], timeout=10_000)
    assert transitions(customer, created["id"], "confirmed") == 1


def test_an_answer_overtaken_by_the_customer_is_not_sent_and_says_why(
        app_context: BrowserContext, app_page: Page, page_problems: PageProblems, live_server: str,
        database: Path) -> None:
    page_problems.allowed_console_errors.extend((*OFFLINE_CONSOLE_ERRORS, HTTP_409))
    customer = Customer(live_server)
    created = open_request(app_page, database, customer, "Overtaken Oki")
    card = booking_card(app_page, created["id"])
    app_context.set_offline(True)
    card.get_by_role("button", name="Accept", exact=True).click()
    expect(card).to_contain_text(words.MESSAGE_WAITING)
    assert customer.cancel(created["id"]).status_code == 200  # the customer was faster

    app_context.set_offline(False)
    expect(card).to_contain_text(words.MESSAGE_NOT_SENT, timeout=10_000)
    expect(card).to_contain_text("Not possible any more: this booking is now “Cancelled”.")
    expect(card).to_contain_text(words.CANCELLED_BY["customer"])
    assert server_booking(customer, created["id"])["status"] == "cancelled"
    assert transitions(customer, created["id"], "confirmed") == 0


def test_a_request_nobody_answers_expires_live_in_the_inbox(
        app_context: BrowserContext, tmp_path: Path) -> None:
    """Its own server, where a request expires after 6 s (the sweep, with nobody polling for it)."""
    database = tmp_path / "expiry.sqlite3"
    env = {"BOOKING_ADMIN_TOKEN": "", "BOOKING_REQUEST_TTL": "6", "BOOKING_SWEEP_INTERVAL": "0.2",
           **GENEROUS_LIMITS}
    with running_server(database, env=env) as url:
        context = app_context.browser.new_context(base_url=url, viewport={"width": 1280, "height": 800})
        try:
            page = context.new_page()
            problems = PageProblems(url)
            problems.watch(page)
            customer = Customer(url)
            customer.say("Hello, a booking is coming")
            sign_in(page, cli_token(database, "t-ayu"))
            conversation(page, "Hello, a booking is coming").get_by_role("button").click()
            created = customer.book("Expiring Eka")  # arrives live, then nobody answers
            card = booking_card(page, created["id"])
            expect(card.get_by_role("button", name="Accept", exact=True)).to_be_visible()
            expect(card).to_contain_text(words.BOOKING_STATUS["expired"], timeout=15_000)
            expect(card.get_by_role("button")).to_have_count(0)
            expect(log(page)).to_contain_text(f"The request for {when_said(created)} expired")
            expect(conversation(page, "Expiring Eka")).not_to_contain_text("Request waiting")
            problems.check()
        finally:
            context.close()
