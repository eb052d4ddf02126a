"""``setTimeout`` / ``setInterval`` behind the ``Scheduler`` port, plus ``Date.now()`` as the ``Clock``.

Every callback crosses into JS as a proxy. A debounce re-arms a timer on every
keystroke, so proxies must not outlive their timer: one-shot timers use
``create_once_callable`` (destroyed after it runs) and are destroyed on cancel;
interval proxies are destroyed on cancel.

Example::

    handle = BrowserScheduler().call_later(1.0, save)
    handle.cancel()
"""

from __future__ import annotations

from collections.abc import Callable

import js
from pyodide.ffi import create_once_callable, create_proxy


class _Timeout:
    __slots__ = ("_id", "_proxy")

    def __init__(self, delay_s: float, callback: Callable[[], None]) -> None:
        def fire() -> None:
            self._proxy = None  # create_once_callable destroys itself after this call
            callback()

        self._proxy = create_once_callable(fire)
        self._id = js.setTimeout(self._proxy, max(0, round(delay_s * 1000)))

    def cancel(self) -> None:
        if self._proxy is not None:
            js.clearTimeout(self._id)
            self._proxy.destroy()
            self._proxy = None


class _Interval:
    __slots__ = ("_id", "_proxy")

    def __init__(self, interval_s: float, callback: Callable[[], None]) -> None:
        self._proxy = create_proxy(callback)
        self._id = js.setInterval(self._proxy, max(1, round(interval_s * 1000)))

    def cancel(self) -> None:
        if self._proxy is not None:
            js.clearInterval(self._id)
            self._proxy.destroy()
            self._proxy = None


class BrowserScheduler:
    def call_later(self, delay_s: float, callback: Callable[[], None]) -> _Timeout:
        return _Timeout(delay_s, callback)

    def call_every(self, interval_s: float, callback: Callable[[], None]) -> _Interval:
        return _Interval(interval_s, callback)


class BrowserClock:
    def now_ms(self) -> int:
        return int(js.Date.now())
