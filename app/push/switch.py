"""The Web Push switch of either page: what it shows, and what turning it on or off does.

``PushSwitch`` owns the decisions; the browser's calls are behind the ``PushDevice`` port
(``app.browser.push``) and the server's behind ``PushApi``. States, each as the page shows it::

    HIDDEN        no switch: push is off on this site (no VAPID keys), not known yet (first visit
                  offline), or nothing to be told about yet (signed out; a customer who sent nothing)
    UNSUPPORTED   shown, disabled, "This browser cannot show notifications" (no Push API here)
    BLOCKED       shown, off, "Notifications are blocked in this browser's settings"
    OFF           shown, off (the note may say why turning on did not work)
    TURNING_ON    on, busy: asking permission, subscribing, storing it on the server
    ON            on: the server has this device's subscription for this therapist / customer
    TURNING_OFF   off, busy: unsubscribing here, deleting it on the server

The state survives a reload because it is *derived*: on load (``update``) it is ON only when the
browser still has a subscription (``pushManager.getSubscription()``), notifications are allowed, and
``chatbooking:v1:push`` says the server stored that endpoint for this owner. A subscription the
browser renewed is stored again; one that vanished (site data cleared) is deleted on the server.

Turning on asks the browser's permission *in the click* (``press`` calls ``request_permission``
before anything else; browsers ask only then, never on load). Turning off, signing out (``leave``)
and Forget me (``forget``) unsubscribe on this device first and then delete on the server, best
effort: an endpoint that was unsubscribed answers the server's next push with 410, and the server
deletes it then, so a DELETE lost offline costs nothing.

Example::

    switch = PushSwitch(device, PushApi(transport, "./api"), SafeStorage(storage),
                        owner=lambda: PushOwner.therapist("t-ayu", auth.headers()), language=lambda: "en")
    switch.subscribe(lambda s: render(s.look()))
    switch.update()              # on every render: settles the state for whoever is the owner now
    switch.press(True)           # the switch's click: asks permission, subscribes, stores
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from enum import Enum
from typing import Any

from app.domain import tasks, words
from app.domain.errors import NetworkError, PushFailed, ServiceError
from app.domain.observable import Observable
from app.domain.ports import PushDevice
from app.persistence.safe_storage import SafeStorage
from app.push.api import PushApi, PushOwner
from app.push.record import PushConfig, PushRecord

ENDPOINT_REFUSED = 422  # the server does not send to this push service (PUSH_SERVICES)


class PushState(Enum):
    HIDDEN = "hidden"
    UNSUPPORTED = "unsupported"
    BLOCKED = "blocked"
    OFF = "off"
    TURNING_ON = "turning_on"
    ON = "on"
    TURNING_OFF = "turning_off"


@dataclass(frozen=True)
class SwitchLook:
    """What the page draws: the switch (a checkbox with ``role="switch"``) and the note next to it."""

    visible: bool
    checked: bool = False
    disabled: bool = False  # never actionable here (no Push API); busy is not disabled: focus stays
    busy: bool = False
    note: str = ""
    kind: str = ""  # "", "ok", "warning" or "error": how the note is styled


class PushSwitch(Observable):
    def __init__(self, device: PushDevice, api: PushApi, store: SafeStorage, *,
                 owner: Callable[[], PushOwner | None], language: Callable[[], str],
                 shown: Callable[[], bool] = lambda: True,
                 spawn: Callable[[Coroutine[Any, Any, Any]], Any] | None = None) -> None:
        self.device, self.api, self.store = device, api, store
        self._owner, self._language, self._shown = owner, language, shown
        self.spawn = spawn or tasks.spawn
        self.record = PushRecord.load(store)
        self.state = PushState.HIDDEN
        self.note, self.kind = "", ""
        self._settled_for: tuple[str, bool] | None = None  # (owner key, shown) the state is for
        self._generation = 0  # bumped by every change of course: a slower, older answer is dropped
        self._config_asked = False

    # --- what the page shows -------------------------------------------------------------------

    def look(self) -> SwitchLook:
        state = self.state
        if state is PushState.HIDDEN:
            return SwitchLook(False)
        if state is PushState.UNSUPPORTED:
            return SwitchLook(True, disabled=True, note=words.PUSH_UNSUPPORTED, kind="warning")
        if state is PushState.BLOCKED:
            return SwitchLook(True, note=words.PUSH_BLOCKED, kind="warning")
        if state is PushState.TURNING_ON:
            return SwitchLook(True, checked=True, busy=True, note=words.PUSH_TURNING_ON)
        if state is PushState.TURNING_OFF:
            return SwitchLook(True, busy=True, note=words.PUSH_TURNING_OFF)
        return SwitchLook(True, checked=state is PushState.ON, note=self.note, kind=self.kind)

    def _set(self, state: PushState, note: str = "", kind: str = "") -> None:
        self.state, self.note, self.kind = state, note, kind
        self.notify()

    # --- settling the state ------------------------------------------------------------------

    def update(self) -> None:
        """Call on every render: when who would be notified changed (signed in, a first message),
        the state is read again from the server's config, the browser and the record."""
        owner = self._owner()
        if owner is None:
            wanted = None
        else:
            wanted = (owner.key, bool(self._shown()) or owner.key in self.record.endpoints)
        if wanted == self._settled_for:
            return
        self._settled_for = wanted
        self._generation += 1
        if owner is None or not wanted[1]:
            self._set(PushState.HIDDEN)
            return
        self.spawn(self._settle(owner, self._generation))

    async def _settle(self, owner: PushOwner, generation: int) -> None:
        config = await self._config()
        if generation != self._generation:
            return
        if not config.usable:
            self._set(PushState.HIDDEN)
            return
        if not self.device.supported:
            self._set(PushState.UNSUPPORTED)
            return
        permission = self.device.permission()
        if permission == "denied":
            self._set(PushState.BLOCKED)
            return
        current = await self._current()
        if generation != self._generation:
            return
        stored = self.record.endpoints.get(owner.key)
        endpoint = current.get("endpoint") if current else None
        if stored and endpoint and permission == "granted":
            if endpoint != stored and not await self._store(owner, current):
                return  # said why; the old endpoint dies with the renewal
            self._set(PushState.ON)
        else:
            if stored:  # the browser lost it (site data cleared, permission reset): so does the server
                self._forget_endpoint(owner.key)
                self.spawn(self._delete(owner, stored))
            self._set(PushState.OFF)

    async def _config(self) -> PushConfig:
        """The server's push config, asked once a page load; offline, the one this device last heard."""
        if not self._config_asked:
            self._config_asked = True
            try:
                self.record.config = await self.api.config()
            except NetworkError:
                pass  # offline: what we knew stays (nothing known means no switch)
            except ServiceError as error:
                if error.status == 404:  # a backend without push (or none: a static site)
                    self.record.config = PushConfig(enabled=False)
            self.record.save(self.store)
        return self.record.config or PushConfig(enabled=False)

    async def _current(self) -> dict[str, Any] | None:
        try:
            return await self.device.subscription()
        except PushFailed:
            return None  # no service worker (yet): nothing subscribed on this device

    # --- the switch's click ----------------------------------------------------------------------

    def press(self, on: bool) -> None:
        """The switch was clicked (``on``: its new position). Synchronous on purpose: the permission
        request must be made inside the click."""
        owner = self._owner()
        if owner is None or self.state in (PushState.HIDDEN, PushState.UNSUPPORTED,
                                           PushState.TURNING_ON, PushState.TURNING_OFF):
            self.notify()  # the page puts the switch back where the state says
            return
        self._generation += 1
        if on and self.state is not PushState.ON:
            asked = self.device.request_permission()
            self._set(PushState.TURNING_ON)
            self.spawn(self._turn_on(owner, asked, self._generation))
        elif not on and self.state is PushState.ON:
            self._set(PushState.TURNING_OFF)
            self.spawn(self._turn_off(owner))
        else:
            self.notify()

    async def _turn_on(self, owner: PushOwner, asked: Awaitable[str], generation: int) -> None:
        answer = str(await asked)
        if answer == "denied":
            self._set(PushState.BLOCKED)
            return
        if answer != "granted":
            self._set(PushState.OFF, words.PUSH_NOT_ALLOWED, "warning")  # the prompt was dismissed
            return
        config = self.record.config or PushConfig()
        try:
            subscription = await self.device.subscribe(config.public_key or "")
        except PushFailed:
            self._set(PushState.OFF, words.PUSH_FAILED, "error")
            return
        if await self._store(owner, subscription) and generation == self._generation:
            self._set(PushState.ON, words.PUSH_ON, "ok")

    async def _store(self, owner: PushOwner, subscription: dict[str, Any]) -> bool:
        """POST the subscription; True when the server has it (the record says so), else OFF and why."""
        try:
            await self.api.store(owner, subscription, language=self._language())
        except NetworkError:
            # The browser's subscription stays: turning on again reuses it.
            self._set(PushState.OFF, words.PUSH_OFFLINE, "error")
            return False
        except ServiceError as error:
            if error.status == ENDPOINT_REFUSED:
                await self._unsubscribe_here(owner, subscription.get("endpoint"))
                self._set(PushState.OFF, words.PUSH_SERVICE_REFUSED, "error")
            else:
                self._set(PushState.OFF, words.PUSH_FAILED, "error")
            return False
        self.record.endpoints[owner.key] = str(subscription.get("endpoint") or "")
        self.record.save(self.store)
        return True

    def language_changed(self) -> None:
        """The reader switched language: while on, the server gets the subscription again with it, so
        the next notifications are in that language too."""
        owner = self._owner()
        if owner is not None and self.state is PushState.ON:
            self.spawn(self._restore(owner))

    async def _restore(self, owner: PushOwner) -> None:
        current = await self._current()
        if current is not None and self.state is PushState.ON:
            await self._store(owner, current)

    async def _turn_off(self, owner: PushOwner) -> None:
        await self._remove(owner)
        self._set(PushState.OFF)

    # --- leaving ---------------------------------------------------------------------------------

    def leave(self) -> Awaitable[None] | None:
        """The therapist signs out: call *before* the token is forgotten (the DELETE carries it)."""
        owner = self._owner()
        self._settled_for, self._generation = None, self._generation + 1
        self._set(PushState.HIDDEN)
        if owner is None or owner.key not in self.record.endpoints:
            return None
        return self.spawn(self._remove(owner))

    async def forget(self) -> None:
        """Forget me on this device: no subscription stays here (whoever it was for: every key of
        ours, the therapist's token too, goes with it), and the server is told, if it can be."""
        owner = self._owner()
        current = await self._current()
        endpoint = (self.record.endpoints.get(owner.key) if owner else None) or (
            current.get("endpoint") if current else None)
        if current is not None:
            await self._unsubscribe()
        if owner is not None and endpoint:
            await self._delete(owner, endpoint)

    async def _remove(self, owner: PushOwner) -> None:
        stored = self._forget_endpoint(owner.key)
        current = await self._current()
        endpoint = stored or (current.get("endpoint") if current else None)
        if current is not None:
            await self._unsubscribe_here(owner, current.get("endpoint"))
        if endpoint:
            await self._delete(owner, endpoint)

    def _forget_endpoint(self, key: str) -> str | None:
        endpoint = self.record.endpoints.pop(key, None)
        self.record.save(self.store)
        return endpoint

    async def _unsubscribe_here(self, owner: PushOwner, endpoint: str | None) -> None:
        """Unsubscribe this device unless the other page (inbox / booking page) still uses it."""
        if endpoint and self.record.others_use(endpoint, owner.key):
            return
        await self._unsubscribe()

    async def _unsubscribe(self) -> None:
        try:
            await self.device.unsubscribe()
        except PushFailed:
            pass  # best effort: the server's DELETE (or its next push's 410) ends it anyway

    async def _delete(self, owner: PushOwner, endpoint: str) -> None:
        try:
            await self.api.delete(owner, endpoint)
        except (NetworkError, ServiceError):
            pass  # best effort: unsubscribed here, the endpoint answers the next push with 410
