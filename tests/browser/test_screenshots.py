"""Screenshots of every state of the window, on a phone and a desktop, for a person to look at.

The PNGs go to ``screenshots/`` at the repository root (git-ignored), named
``<viewport>-<n>-<state>.png``. Each test also checks that the state it shows is the one it
names, and that nothing scrolls sideways.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import wait_ready
from tests.browser.helpers import (
    OFFLINE_CONSOLE_ERRORS,
    QUEUED_OFFLINE,
    fill_booking,
    guarded_context,
    open_window,
    send_message,
)
from tests.browser.push_helpers import subscription_stub
from tests.support.receiver import Receiver
from tests.support.server import ROOT

SCREENSHOTS = ROOT / "screenshots"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


def shoot(page: Page, viewport: str, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.evaluate("document.activeElement && document.activeElement.blur && document.activeElement.blur()")
    page.screenshot(path=SCREENSHOTS / f"{viewport}-{name}.png", full_page=True, animations="disabled",
                    caret="hide")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS[viewport]["width"], f"{name}: the page is {width}px wide"


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_screenshots_of_every_state(browser: Browser, live_server: str, viewport: str) -> None:
    with guarded_context(browser, live_server, viewport=VIEWPORTS[viewport], service_workers="block",
                         allowed_console_errors=OFFLINE_CONSOLE_ERRORS) as (context, _problems):
        page = context.new_page()
        open_window(page)
        shoot(page, viewport, "1-empty")

        page.get_by_role("button", name="Order now").click()
        expect(page.get_by_role("alert").filter(has_text="Please fix")).to_be_visible()
        shoot(page, viewport, "2-validation-errors")

        page.reload()
        wait_ready(page)
        send_message(page, "Hi Ayu! Is tomorrow at 10:00 possible at my hotel in Ubud?")
        fill_booking(page, name="Ana Putri", whatsapp="+62 812 3456 7890", duration="90 min",
                     location="Hotel", massage_for="Myself")
        expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible(timeout=15_000)
        shoot(page, viewport, "3-filled-draft")

        page.reload()
        wait_ready(page)
        expect(page.get_by_role("button", name="Continue booking")).to_be_visible()
        shoot(page, viewport, "4-recovery-prompt")
        page.get_by_role("button", name="Continue booking").click()

        context.set_offline(True)
        page.get_by_role("button", name="Order now").click()
        expect(page.get_by_role("status").filter(has_text=QUEUED_OFFLINE)).to_be_visible(timeout=30_000)
        shoot(page, viewport, "5-queued-offline")

        context.set_offline(False)  # the queued booking goes out by itself
        expect(page.get_by_role("region", name="Request sent")).to_be_visible(timeout=60_000)
        shoot(page, viewport, "6-confirmed")

        page.get_by_role("button", name="Reset chat").click()
        expect(page.get_by_role("dialog")).to_be_visible()
        page.screenshot(path=SCREENSHOTS / f"{viewport}-7-reset-dialog.png", animations="disabled")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_screenshot_of_an_unknown_therapist(browser: Browser, live_server: str, viewport: str) -> None:
    with guarded_context(browser, live_server, viewport=VIEWPORTS[viewport],
                         service_workers="block") as (context, _problems):
        page = context.new_page()
        open_window(page, "/?therapist=t-gone")
        expect(page.get_by_role("alert").filter(has_text="could not find")).to_be_visible()
        shoot(page, viewport, "8-unknown-therapist")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_screenshots_of_the_notification_switches(browser: Browser, live_server: str, ayu_token: str,
                                                   push_service: Receiver, viewport: str) -> None:
    with guarded_context(browser, live_server, viewport=VIEWPORTS[viewport],
                         init_scripts=(subscription_stub(push_service.origin),)) as (context, _problems):
        context.grant_permissions(["notifications"])
        page = context.new_page()
        open_window(page)
        send_message(page, "Hi Ayu! Is tomorrow at 10:00 possible at my hotel in Ubud?")
        switch = page.get_by_role("switch", name="Notify me when Ayu Lestari answers")
        switch.click()
        expect(page.locator("#push-note")).to_have_text("This device will be notified.")
        switch.scroll_into_view_if_needed()
        shoot(page, viewport, "9-customer-notify-on")

        inbox = context.new_page()
        inbox.goto("/inbox.html")
        wait_ready(inbox)
        inbox.get_by_label("Access token").fill(ayu_token)
        inbox.get_by_role("button", name="Sign in").click()
        expect(inbox.get_by_role("switch", name="Notify me on this device")).not_to_be_checked()
        shoot(inbox, viewport, "10-inbox-notify-off")

    with guarded_context(browser, live_server, viewport=VIEWPORTS[viewport]) as (context, _problems):
        page = context.new_page()  # no permission: headless Chromium answers "denied", as a person blocking it
        open_window(page)
        send_message(page, "Hello")
        page.get_by_role("switch", name="Notify me when Ayu Lestari answers").click()
        expect(page.locator("#push-note")).to_have_text("Notifications are blocked in this browser's settings")
        shoot(page, viewport, "11-customer-notify-blocked")
