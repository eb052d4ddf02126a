"""The browser's Web Push behind the ``PushDevice`` port: ``Notification`` and the service worker's
``pushManager``, every failure a ``PushFailed``.

The subscription is made through the service worker ``static/js/sw-register.js`` registered (never a
second one): ``navigator.serviceWorker.ready``, waited for at most ``READY_TIMEOUT_S`` (a worker that
is blocked or failed never gets ready). Subscriptions cross as JSON (``PushSubscription.toJSON()``),
so the core sees plain dicts. ``request_permission`` starts the browser's prompt when it is called
(inside the click: browsers ask only then) and returns something to await; Safari's old callback
form, which returns nothing, is answered from ``Notification.permission``.

Example::

    device = BrowserPushDevice()
    device.supported                      # False on an http page, old browsers, iOS outside a home-screen app
    answer = device.request_permission()  # in the click handler
    await answer                          # "granted"
    await device.subscribe("BPk...")      # {"endpoint": "https://fcm.googleapis.com/...", "keys": {...}}
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import js
from pyodide.ffi import JsException, to_js

from app.browser.storage import nullable
from app.domain.errors import PushFailed

READY_TIMEOUT_S = 10.0


def service_worker_container():
    return nullable(getattr(js.navigator, "serviceWorker", None))


def _key_bytes(public_key: str):
    """The VAPID key (base64url, unpadded) as the Uint8Array ``applicationServerKey`` takes everywhere."""
    raw = base64.urlsafe_b64decode(public_key + "=" * (-len(public_key) % 4))
    return js.Uint8Array.new(to_js(list(raw)))


def _json(subscription) -> dict[str, Any] | None:
    subscription = nullable(subscription)
    if subscription is None:
        return None
    return json.loads(str(js.JSON.stringify(subscription)))


class BrowserPushDevice:
    def __init__(self) -> None:
        self.supported = (hasattr(js, "Notification") and hasattr(js, "PushManager")
                          and service_worker_container() is not None)

    def permission(self) -> str:
        return str(js.Notification.permission) if self.supported else "denied"

    def request_permission(self):
        try:
            asked = nullable(js.Notification.requestPermission())
        except JsException:
            asked = None

        async def answer() -> str:
            if asked is not None:
                try:
                    return str(await asked)
                except JsException:
                    pass  # refused to ask (e.g. not in a click): what the permission is now says it
            return self.permission()

        return answer()

    async def _registration(self, *, wait: bool):
        container = service_worker_container()
        if container is None:
            raise PushFailed("no service worker here")
        try:
            registration = nullable(await container.getRegistration())
            if registration is None and wait:
                registration = await asyncio.wait_for(asyncio.ensure_future(container.ready), READY_TIMEOUT_S)
        except (JsException, TimeoutError) as error:
            raise PushFailed(f"the service worker is not ready: {error!r}") from error
        return registration

    async def subscription(self) -> dict[str, Any] | None:
        registration = await self._registration(wait=False)
        if registration is None:
            return None
        try:
            return _json(await registration.pushManager.getSubscription())
        except JsException as error:
            raise PushFailed(str(error)) from error

    async def subscribe(self, public_key: str) -> dict[str, Any]:
        registration = await self._registration(wait=True)
        if registration is None:
            raise PushFailed("no service worker registered")
        options = to_js({"userVisibleOnly": True, "applicationServerKey": _key_bytes(public_key)},
                        dict_converter=js.Object.fromEntries)
        try:
            subscription = _json(await registration.pushManager.subscribe(options))
        except JsException as error:  # NotAllowedError, AbortError (push service unreachable), ...
            raise PushFailed(str(error)) from error
        if not subscription or not subscription.get("endpoint"):
            raise PushFailed("the browser gave a subscription without an endpoint")
        return subscription

    async def unsubscribe(self) -> None:
        registration = await self._registration(wait=False)
        if registration is None:
            return
        try:
            subscription = nullable(await registration.pushManager.getSubscription())
            if subscription is not None:
                await subscription.unsubscribe()
        except JsException as error:
            raise PushFailed(str(error)) from error
