"""axe-core on the customer's page in each state of a booking, on a desktop and on a 390 px phone:
no serious or critical WCAG 2 A/AA violation (the inbox's states: test_inbox_bookings_a11y.py).

States: the empty form; validation errors with When / Address named; Choose a time with its Date
and Start time; Request sent with Your booking waiting; the cancel dialog; Booking confirmed; a
decline with its reason and Pick another time.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.axe import axe_context, serious_violations
from tests.browser.conftest import wait_ready
from tests.browser.helpers import fill_booking
from tests.browser.test_booking_lifecycle import LIVE_MS, SEND_MS, therapist_acts, your_booking

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def clean(page: Page, state: str) -> None:
    assert serious_violations(page) == [], state


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_every_state_of_a_booking_on_the_customers_page_passes_axe(
        browser: Browser, live_server: str, ayu_token: str, viewport: str) -> None:
    with axe_context(browser, live_server, viewport=VIEWPORTS[viewport]) as page:
        page.goto("/?therapist=t-ayu")
        wait_ready(page)
        clean(page, "the empty form")

        page.get_by_role("button", name="Order now").click()
        expect(page.get_by_text("Please fix the following")).to_be_visible()
        clean(page, "validation errors")

        page.get_by_role("group", name="When").get_by_role("radio", name="Choose a time").check()
        expect(page.get_by_label("Start time")).to_be_visible()
        expect(page.locator("#times-status")).not_to_have_text("Loading the free times…", timeout=SEND_MS)
        clean(page, "Choose a time with Date and Start time")

        fill_booking(page, name=f"Axe Customer {uuid.uuid4().hex[:4]}")
        page.get_by_role("button", name="Order now").click()
        expect(page.get_by_role("region", name="Request sent")).to_be_visible(timeout=SEND_MS)
        expect(your_booking(page)).to_contain_text("Waiting for Ayu Lestari to accept")
        clean(page, "Request sent, waiting for the therapist")
        booking_id = page.locator("#confirmation-ref").inner_text()

        your_booking(page).get_by_role("button", name="Cancel this booking").click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_be_visible()
        clean(page, "the cancel dialog")
        dialog.get_by_role("button", name="Keep booking").click()
        expect(dialog).to_be_hidden()

        assert therapist_acts(live_server, ayu_token, booking_id, "accept").status_code == 200
        expect(your_booking(page).locator("#your-booking-status")).to_have_text("Booking confirmed",
                                                                                timeout=LIVE_MS)
        clean(page, "Booking confirmed")

        page.get_by_role("button", name="Book another session").click()
        fill_booking(page, name=f"Axe Declined {uuid.uuid4().hex[:4]}")
        page.get_by_role("button", name="Order now").click()
        expect(your_booking(page)).to_contain_text("Waiting for Ayu Lestari to accept", timeout=SEND_MS)
        second = page.locator("#confirmation-ref").inner_text()
        assert therapist_acts(live_server, ayu_token, second, "decline", "Too far").status_code == 200
        expect(your_booking(page).locator("#your-booking-status")).to_have_text("Declined", timeout=LIVE_MS)
        clean(page, "Declined with a reason")
