"""The inbox's booking states for everyone: axe finds no serious or critical WCAG violation (desktop and a
390 px phone), the answers work with the keyboard, and an ``id-ID`` therapist reads no English of ours.

States: a request waiting (the list, the open booking with Accept / Decline), the decline dialog with
its "reason required" error, a confirmed booking in ``Upcoming bookings``, and an answer waiting for
the network.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from app.domain import words
from tests.browser.axe import axe_context, serious_violations
from tests.browser.conftest import wait_ready
from tests.browser.helpers import guarded_context
from tests.browser.test_inbox import Customer, cli_token, conversation, database, live_server
from tests.browser.test_inbox_bookings import booking_card, upcoming
from tests.browser.test_language import expect_no_english

__all__ = ["database", "live_server"]

PHONE = {"width": 390, "height": 844}


def row(page: Page, name: str):
    """A conversation of the list, whatever the language (the list's name is translated)."""
    return page.locator("#conversations > li").filter(has_text=name)


def card(page: Page, booking_id: str):
    return page.locator(f"#bookings > li[data-booking='{booking_id}']")


def signed_in(page: Page, token: str) -> None:
    page.goto("/inbox.html")
    wait_ready(page)
    page.locator("#access-token").fill(token)
    page.locator("#sign-in").click()
    expect(page.locator("#conversations")).to_be_visible()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, PHONE], ids=["desktop", "phone"])
def test_the_booking_states_have_no_serious_accessibility_violation(
        browser: Browser, live_server: str, database: Path, viewport: dict) -> None:
    confirmed, waiting = Customer(live_server), Customer(live_server)
    size = "Phone" if viewport is PHONE else "Desktop"
    kept = confirmed.book(f"Axe Confirmed {size}")
    created = waiting.book(f"Axe Waiting {size}")
    token = cli_token(database, "t-ayu")
    with axe_context(browser, live_server, viewport=viewport) as page:
        signed_in(page, token)
        conversation(page, f"Axe Confirmed {size}").get_by_role("button").click()
        booking_card(page, kept["id"]).get_by_role("button", name="Accept", exact=True).click()
        expect(booking_card(page, kept["id"])).to_contain_text(words.BOOKING_STATUS["confirmed"])
        if viewport is PHONE:
            page.get_by_role("button", name="Back").click()
        expect(upcoming(page)).to_contain_text(f"Axe Confirmed {size}")
        expect(conversation(page, f"Axe Waiting {size}")).to_contain_text("Request waiting")
        assert serious_violations(page) == [], "list with a request waiting and upcoming bookings"

        conversation(page, f"Axe Waiting {size}").get_by_role("button").click()
        card = booking_card(page, created["id"])
        expect(card.get_by_role("button", name="Accept", exact=True)).to_be_visible()
        assert serious_violations(page) == [], "an open request with its answers"

        card.get_by_role("button", name="Decline", exact=True).click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_role("button", name="Decline request").click()
        expect(dialog.get_by_role("alert")).to_have_text(words.REASON_MISSING)
        assert serious_violations(page) == [], "the decline dialog saying a reason is required"
        dialog.get_by_role("button", name="Back").click()

        page.context.set_offline(True)
        card.get_by_role("button", name="Accept", exact=True).click()
        expect(card).to_contain_text(words.MESSAGE_WAITING)
        assert serious_violations(page) == [], "an answer waiting for the network"
        page.context.set_offline(False)
        expect(card).to_contain_text(words.BOOKING_STATUS["confirmed"], timeout=10_000)


def test_decline_works_with_the_keyboard_alone(browser: Browser, live_server: str, database: Path) -> None:
    customer = Customer(live_server)
    created = customer.book("Keyboard Kadek")
    with axe_context(browser, live_server) as page:
        signed_in(page, cli_token(database, "t-ayu"))
        conversation(page, "Keyboard Kadek").get_by_role("button").click()
        decline = booking_card(page, created["id"]).get_by_role("button", name="Decline", exact=True)
        decline.focus()
        page.keyboard.press("Enter")
        dialog = page.get_by_role("dialog")
        expect(dialog).to_be_visible()
        expect(dialog.get_by_role("button", name="Back")).to_be_focused()  # the safe choice first
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(decline).to_be_focused()  # back where the therapist was

        page.keyboard.press("Enter")
        expect(dialog).to_be_visible()
        dialog.get_by_label("Fully booked").focus()
        page.keyboard.press("Space")
        dialog.get_by_role("button", name="Decline request").focus()
        page.keyboard.press("Enter")
        card = booking_card(page, created["id"])
        expect(card).to_contain_text(words.BOOKING_STATUS["declined"])
        expect(card).to_be_focused()  # the answered booking, not the page's top
        expect(card).to_contain_text("Fully booked")


def test_an_indonesian_therapist_reads_the_booking_states_in_indonesian(
        browser: Browser, live_server: str, database: Path) -> None:
    confirmed, waiting = Customer(live_server), Customer(live_server)
    kept = confirmed.book("Bahasa Bayu")
    created = waiting.book("Bahasa Budi")
    with guarded_context(browser, live_server, locale="id-ID", service_workers="block") as (context, _):
        page = context.new_page()
        signed_in(page, cli_token(database, "t-ayu"))
        row(page, "Bahasa Bayu").get_by_role("button").click()
        card(page, kept["id"]).get_by_role("button", name="Terima", exact=True).click()
        expect(card(page, kept["id"])).to_contain_text("Pemesanan dikonfirmasi")
        expect(page.get_by_role("list", name="Pemesanan mendatang")).to_contain_text("Bahasa Bayu")
        expect(row(page, "Bahasa Budi")).to_contain_text("Permintaan menunggu")
        expect_no_english(page, "inbox with a request waiting and upcoming bookings")

        row(page, "Bahasa Budi").get_by_role("button").click()
        answered = card(page, created["id"])
        answered.get_by_role("button", name="Tolak", exact=True).click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_role("button", name="Tolak permintaan").click()
        expect(dialog.get_by_role("alert")).to_be_visible()
        expect_no_english(page, "the decline dialog")
        dialog.get_by_label("Terlalu jauh").check()
        dialog.get_by_role("button", name="Tolak permintaan").click()
        expect(answered).to_contain_text("Ditolak")
        expect_no_english(page, "a declined request")
