"""``navigator.locks`` behind the ``Locks`` port: one tab at a time sends a given outbox entry.

localStorage is not atomic across tabs (each tab may run in its own process), so two tabs can
both believe they hold an entry's lease for a few milliseconds. A Web Lock is granted by the
browser to exactly one of them. ``ifAvailable`` makes the loser return at once instead of
queueing behind the winner: it will see the entry gone (or parked) when it looks again.

Example::

    locks = open_web_locks()                     # None where the browser has no Web Locks
    got, result = await locks.run_exclusive("chatbooking:send:k1", send)
    await locks.hold("chatbooking:sent:k1", 10_000)   # other tabs' is_held(...) is True for 10 s
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncio

import js
from pyodide.ffi import JsException, create_once_callable, create_proxy, jsnull, to_js


class WebLocks:
    def __init__(self, manager) -> None:
        self._manager = manager

    async def run_exclusive(self, name: str, work: Callable[[], Awaitable[Any]]) -> tuple[bool, Any]:
        outcome: dict[str, Any] = {"got": False}

        async def held(lock):
            if lock is None or lock is jsnull:
                return  # another tab holds it right now
            outcome["got"] = True
            outcome["value"] = await work()

        callback = create_proxy(held)
        try:
            options = to_js({"ifAvailable": True}, dict_converter=js.Object.fromEntries)
            await self._manager.request(name, options, callback)
        except JsException:
            if not outcome["got"]:
                # The browser refused the lock itself (e.g. an opaque origin): send on the lease alone.
                return True, await work()
            raise
        finally:
            callback.destroy()
        return outcome["got"], outcome.get("value")

    async def hold(self, name: str, ms: int) -> None:
        granted = asyncio.get_running_loop().create_future()

        def keep(lock):
            if not granted.done():
                granted.set_result(None)
            # The lock is held until this promise settles: ``ms`` from now, or when the tab closes.
            return js.Promise.new(lambda resolve, reject: js.setTimeout(resolve, ms))

        try:
            self._manager.request(name, create_once_callable(keep))
        except JsException:
            return  # no lock table for this page (an opaque origin): the lease alone keeps tabs apart
        await granted

    async def is_held(self, name: str) -> bool:
        try:
            state = await self._manager.query()
        except JsException:
            return False
        return any(lock.name == name for lock in state.held)


def open_web_locks() -> WebLocks | None:
    manager = getattr(js.navigator, "locks", None)
    if manager is None or manager is jsnull or not getattr(manager, "request", None):
        return None  # older browsers, insecure contexts: the outbox's lease keeps tabs apart
    return WebLocks(manager)
