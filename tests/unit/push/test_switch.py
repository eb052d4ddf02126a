"""The Web Push switch under CPython: when it shows, what a click does, what survives a reload.

A ``FakePushApi`` plays the server's subscription API over ``FakeTransport`` (the paths, bodies
and bearer headers of the contract) and a ``FakePushDevice`` plays the browser.
"""

from __future__ import annotations

import asyncio
import json

from app.domain import words
from app.domain.ports import HttpResponse
from app.persistence.keys import PUSH_KEY
from app.persistence.safe_storage import SafeStorage
from app.push.api import PushApi, PushOwner
from app.push.switch import PushState, PushSwitch, SwitchLook
from tests.support.fakes import FakePushDevice, FakeStorage, FakeTransport

PUBLIC_KEY = "BPublicKey-base64url"
CUSTOMER = "0b7e2c4e-7d2a-4f7e-9c1e-0d1e2f3a4b5c"
CUSTOMER_HEADERS = {"Authorization": "Bearer customer-token"}
THERAPIST_HEADERS = {"Authorization": "Bearer therapist-token"}


class FakePushApi:
    """The server's side: its config, and the endpoints it holds per (path, bearer)."""

    def __init__(self, *, enabled: bool = True, config_status: int = 200, refuse: bool = False) -> None:
        self.enabled, self.config_status, self.refuse = enabled, config_status, refuse
        self.stored: dict[tuple[str, str], dict] = {}
        self.deleted: list[tuple[str, str, dict]] = []

    def transport(self) -> FakeTransport:
        return FakeTransport(self.handle)

    def handle(self, method: str, url: str, headers: dict[str, str], body: str | None) -> HttpResponse:
        if url == "./api/push/config":
            config = {"enabled": self.enabled, "public_key": PUBLIC_KEY if self.enabled else None}
            return HttpResponse(self.config_status, json.dumps(config))
        data = json.loads(body or "{}")
        bearer = headers.get("Authorization", "")
        if not bearer:
            return HttpResponse(401, '{"detail": "token"}')
        where = (url, bearer)
        if method == "POST":
            if self.refuse:
                return HttpResponse(422, '{"detail": [{"loc": ["body", "endpoint"]}]}')
            created = where not in self.stored
            self.stored[where] = data
            return HttpResponse(201 if created else 200, "{}")
        if method == "DELETE":
            self.deleted.append((url, bearer, data))
            if self.stored.get(where, {}).get("endpoint") == data.get("endpoint"):
                del self.stored[where]
            return HttpResponse(204)
        return HttpResponse(405)


def run(coroutine) -> None:
    asyncio.run(asyncio.wait_for(coroutine, timeout=5))


async def settle(rounds: int = 30) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)


class Page:
    """One load of a page with the switch (a reload is a new ``Page`` on the same storage and device)."""

    def __init__(self, server: FakePushApi, device: FakePushDevice, data: dict[str, str] | None = None, *,
                 role: str = "customer", shown: bool = True, offline: bool = False) -> None:
        self.server, self.device, self.role = server, device, role
        self.data = {} if data is None else data
        self.transport = server.transport()
        self.transport.offline = offline
        self.shown = shown
        self.signed_in = True
        self.language = "id"  # the page's language (the switch reads it when it stores)
        self.switch = PushSwitch(device, PushApi(self.transport, "./api"), SafeStorage(FakeStorage(self.data)),
                                 owner=self.owner, language=lambda: self.language, shown=lambda: self.shown,
                                 spawn=asyncio.ensure_future)

    def owner(self) -> PushOwner | None:
        if self.role == "customer":
            return PushOwner.customer(CUSTOMER, dict(CUSTOMER_HEADERS))
        return PushOwner.therapist("t-ayu", dict(THERAPIST_HEADERS)) if self.signed_in else None

    async def loaded(self) -> Page:
        self.switch.update()
        await settle()
        return self

    def reload(self, **options) -> Page:
        return Page(self.server, self.device, self.data, role=self.role, **options)


CUSTOMER_SUBSCRIPTIONS = ("./api/push-subscriptions", CUSTOMER_HEADERS["Authorization"])
THERAPIST_SUBSCRIPTIONS = ("./api/therapist/push-subscriptions", THERAPIST_HEADERS["Authorization"])


async def turned_on(page: Page) -> Page:
    await page.loaded()
    page.switch.press(True)
    await settle()
    assert page.switch.state is PushState.ON
    return page


def test_no_switch_while_the_server_has_no_push_or_no_backend_answers_for_it() -> None:
    async def scenario() -> None:
        for server in (FakePushApi(enabled=False), FakePushApi(config_status=404)):
            page = await Page(server, FakePushDevice()).loaded()
            assert page.switch.state is PushState.HIDDEN and not page.switch.look().visible
    run(scenario())


def test_the_customers_switch_shows_only_once_they_sent_something() -> None:
    async def scenario() -> None:
        page = await Page(FakePushApi(), FakePushDevice(), shown=False).loaded()
        assert page.switch.state is PushState.HIDDEN
        page.shown = True  # a first message went
        await page.loaded()
        assert page.switch.state is PushState.OFF and page.switch.look() == SwitchLook(True)
    run(scenario())


def test_turning_on_asks_permission_inside_the_click_and_stores_the_subscription_on_the_server() -> None:
    async def scenario() -> None:
        server, device = FakePushApi(), FakePushDevice()
        page = await Page(server, device).loaded()
        assert device.asked == 0  # never on load
        page.switch.press(True)
        assert device.asked == 1  # asked before press() returned: still inside the click
        assert page.switch.look().busy and page.switch.look().note == words.PUSH_TURNING_ON
        await settle()
        assert page.switch.state is PushState.ON and page.switch.look().checked
        assert page.switch.look().note == words.PUSH_ON
        assert device.subscribed_with == PUBLIC_KEY
        stored = server.stored[CUSTOMER_SUBSCRIPTIONS]
        assert stored == {"endpoint": device.endpoint, "keys": device.current["keys"], "customer_id": CUSTOMER,
                          "language": "id"}
    run(scenario())


def test_the_switch_is_still_on_after_a_reload_and_off_when_the_browser_lost_the_subscription() -> None:
    async def scenario() -> None:
        server, device = FakePushApi(), FakePushDevice()
        page = await turned_on(Page(server, device))
        again = await page.reload().loaded()
        assert again.switch.state is PushState.ON and device.asked == 1
        device.current = None  # site data cleared in the browser: the subscription is gone
        third = await page.reload().loaded()
        assert third.switch.state is PushState.OFF
        assert CUSTOMER_SUBSCRIPTIONS not in server.stored  # and the server forgets it too
    run(scenario())


def test_a_subscription_the_browser_renewed_is_stored_again_on_load() -> None:
    async def scenario() -> None:
        server, device = FakePushApi(), FakePushDevice()
        page = await turned_on(Page(server, device))
        device.current = {"endpoint": "https://push.example.test/sub/2", "keys": {"p256dh": "x", "auth": "y"}}
        again = await page.reload().loaded()
        assert again.switch.state is PushState.ON
        assert server.stored[CUSTOMER_SUBSCRIPTIONS]["endpoint"] == "https://push.example.test/sub/2"
    run(scenario())


def test_a_refusal_is_said_in_words_and_a_dismissed_prompt_leaves_it_off() -> None:
    async def scenario() -> None:
        page = await Page(FakePushApi(), FakePushDevice(answer="denied")).loaded()
        page.switch.press(True)
        await settle()
        assert page.switch.state is PushState.BLOCKED
        assert page.switch.look().note == words.PUSH_BLOCKED and not page.switch.look().checked
        assert (await page.reload().loaded()).switch.look().note == words.PUSH_BLOCKED  # said on load too

        dismissed = await Page(FakePushApi(), FakePushDevice(answer="default")).loaded()
        dismissed.switch.press(True)
        await settle()
        assert dismissed.switch.state is PushState.OFF and dismissed.switch.look().note == words.PUSH_NOT_ALLOWED
    run(scenario())


def test_a_browser_without_the_push_api_says_so_next_to_a_disabled_switch() -> None:
    async def scenario() -> None:
        device = FakePushDevice(supported=False)
        page = await Page(FakePushApi(), device).loaded()
        look = page.switch.look()
        assert look.visible and look.disabled and look.note == words.PUSH_UNSUPPORTED
        page.switch.press(True)
        assert device.asked == 0 and page.switch.state is PushState.UNSUPPORTED
    run(scenario())


def test_turning_off_unsubscribes_here_and_deletes_it_on_the_server() -> None:
    async def scenario() -> None:
        server, device = FakePushApi(), FakePushDevice()
        page = await turned_on(Page(server, device))
        page.switch.press(False)
        assert page.switch.look().busy
        await settle()
        assert page.switch.state is PushState.OFF and device.current is None
        assert CUSTOMER_SUBSCRIPTIONS not in server.stored
        assert server.deleted[-1][2] == {"customer_id": CUSTOMER, "endpoint": device.endpoint}
        assert (await page.reload().loaded()).switch.state is PushState.OFF
    run(scenario())


def test_no_connection_or_a_refused_push_service_leaves_it_off_with_the_reason() -> None:
    async def scenario() -> None:
        server, device = FakePushApi(), FakePushDevice()
        page = await Page(server, device).loaded()
        page.transport.offline = True
        page.switch.press(True)
        await settle()
        assert page.switch.state is PushState.OFF and page.switch.look().note == words.PUSH_OFFLINE

        refused, device = FakePushApi(refuse=True), FakePushDevice()
        page = await Page(refused, device).loaded()
        page.switch.press(True)
        await settle()
        assert page.switch.state is PushState.OFF and page.switch.look().note == words.PUSH_SERVICE_REFUSED
        assert device.current is None  # not left subscribed to a service nobody will send to

        failing = FakePushDevice()
        failing.fail_subscribe = True
        page = await Page(FakePushApi(), failing).loaded()
        page.switch.press(True)
        await settle()
        assert page.switch.look().note == words.PUSH_FAILED
    run(scenario())


def test_signing_out_deletes_the_therapists_subscription_with_the_token_it_still_had() -> None:
    async def scenario() -> None:
        server, device = FakePushApi(), FakePushDevice()
        page = await turned_on(Page(server, device, role="therapist"))
        assert THERAPIST_SUBSCRIPTIONS in server.stored
        leaving = page.switch.leave()
        page.signed_in = False  # the inbox forgets the token right after
        await leaving
        assert THERAPIST_SUBSCRIPTIONS not in server.stored and device.current is None
        assert page.switch.state is PushState.HIDDEN
    run(scenario())


def test_forget_me_unsubscribes_even_offline_and_tells_the_server_when_it_can() -> None:
    async def scenario() -> None:
        server, device = FakePushApi(), FakePushDevice()
        page = await turned_on(Page(server, device))
        page.transport.offline = True
        await page.switch.forget()
        assert device.current is None and CUSTOMER_SUBSCRIPTIONS in server.stored  # the 410 ends it later

        server, device = FakePushApi(), FakePushDevice()
        page = await turned_on(Page(server, device))
        await page.switch.forget()
        assert device.current is None and CUSTOMER_SUBSCRIPTIONS not in server.stored
    run(scenario())


def test_the_inbox_and_the_booking_page_of_one_browser_share_a_subscription_without_undoing_each_other() -> None:
    async def scenario() -> None:
        server, device = FakePushApi(), FakePushDevice()
        data: dict[str, str] = {}
        customer = await turned_on(Page(server, device, data))
        therapist = await turned_on(Page(server, device, data, role="therapist"))
        customer = await customer.reload().loaded()
        customer.switch.press(False)
        await settle()
        assert CUSTOMER_SUBSCRIPTIONS not in server.stored and THERAPIST_SUBSCRIPTIONS in server.stored
        assert device.current is not None  # the inbox still uses it
        assert (await therapist.reload().loaded()).switch.state is PushState.ON
    run(scenario())


def test_offline_the_page_uses_the_config_it_last_heard_and_hides_the_switch_when_it_knows_none() -> None:
    async def scenario() -> None:
        server, device = FakePushApi(), FakePushDevice()
        page = await Page(server, device).loaded()
        assert page.switch.state is PushState.OFF
        assert (await page.reload(offline=True).loaded()).switch.state is PushState.OFF
        first_visit = await Page(server, FakePushDevice(), offline=True).loaded()
        assert first_visit.switch.state is PushState.HIDDEN
    run(scenario())


def test_an_unreadable_record_reads_as_nothing_stored() -> None:
    async def scenario() -> None:
        data = {PUSH_KEY: "{not json"}
        page = await Page(FakePushApi(), FakePushDevice(), data).loaded()
        assert page.switch.state is PushState.OFF
        assert json.loads(data[PUSH_KEY])["data"]["config"]["enabled"] is True  # rewritten, readable
    run(scenario())


def test_switching_language_while_on_tells_the_server_the_new_one() -> None:
    async def scenario() -> None:
        server, device = FakePushApi(), FakePushDevice()
        page = await turned_on(Page(server, device))
        page.language = "en"
        page.switch.language_changed()
        await settle()
        assert server.stored[CUSTOMER_SUBSCRIPTIONS]["language"] == "en"
        assert page.switch.state is PushState.ON

        off = await Page(FakePushApi(), FakePushDevice()).loaded()
        off.switch.language_changed()
        await settle()
        assert off.transport.requests[-1].url == "./api/push/config"  # nothing sent while off
    run(scenario())
