"""``setTimeout`` / ``setInterval`` behind the ``Scheduler`` port, plus ``Date.now()`` as the ``Clock``.

Every callback crosses into JS as a proxy. A debounce re-arms a timer on every keystroke, so
proxies must not outlive their timer: Pyodide's own ``pyodide.ffi.wrappers`` manage exactly
that (a one-shot proxy destroyed after it runs or when cleared; an interval's proxy destroyed
when cleared), and our handles only add the port's "cancel is safe twice" promise.

Example::

    handle = BrowserScheduler().call_later(1.0, save)
    handle.cancel()
"""

from __future__ import annotations

from collections.abc import Callable

import js
from pyodide.ffi.wrappers import clear_interval, clear_timeout, set_interval, set_timeout


class _Timeout:
    __slots__ = ("_id",)

    def __init__(self, delay_s: float, callback: Callable[[], None]) -> None:
        def fire() -> None:
            self._id = None  # fired: a later cancel() has nothing to clear
            callback()

        self._id = set_timeout(fire, max(0, round(delay_s * 1000)))

    def cancel(self) -> None:
        if self._id is not None:
            clear_timeout(self._id)  # also destroys the callback's proxy
            self._id = None


class _Interval:
    __slots__ = ("_id",)

    def __init__(self, interval_s: float, callback: Callable[[], None]) -> None:
        self._id = set_interval(callback, max(1, round(interval_s * 1000)))

    def cancel(self) -> None:
        if self._id is not None:
            clear_interval(self._id)
            self._id = None


class BrowserScheduler:
    def call_later(self, delay_s: float, callback: Callable[[], None]) -> _Timeout:
        return _Timeout(delay_s, callback)

    def call_every(self, interval_s: float, callback: Callable[[], None]) -> _Interval:
        return _Interval(interval_s, callback)


class BrowserClock:
    def now_ms(self) -> int:
        return int(js.Date.now())
