"""Fakes of the ports in ``app.domain.ports``, for tests under CPython (never shipped to the page).

- ``FakeStorage``: a dict with the Web Storage shape, plus switches for the
  failures browsers really produce: a quota in bytes (UTF-16, like browsers
  count), "unavailable" (SecurityError on every call), and a shared backing
  dict so two instances act like two tabs on one origin.
- ``FakeStorageEvents``: the browser's ``storage`` event between such "tabs":
  queued on each write and handed to the *other* tabs' listeners on ``deliver()``.
- ``FakeClock`` + ``FakeScheduler``: time that only moves when a test calls
  ``advance``; timers fire in order; going backwards is refused.
- ``FakeTransport``: answers requests with a handler you give it and records them.
- ``FakeTimeZones``: the browser's time zones, from ``zoneinfo`` (the page asks ``Date``/``Intl``).
- ``FakePushDevice``: the browser's notification permission and push subscription, with the
  answers a person (allow, block, dismiss) and a browser (no Push API, subscribe fails) give.

Example::

    clock = FakeClock()
    scheduler = FakeScheduler(clock)
    fired = []
    scheduler.call_later(1.0, lambda: fired.append(clock.now_ms()))
    scheduler.advance(1.0)
    assert fired == [clock.now_ms()]
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from app.domain.errors import NetworkError, PushFailed, QuotaExceeded, StorageUnavailable
from app.domain.ports import Cancel, HttpResponse

StorageListener = Callable[[str | None, str | None], None]


class FakeStorageEvents:
    """``storage`` events between tabs: queued by each write, delivered on ``deliver()``.

    Like browsers, an event goes to every *other* tab, never the writer, and arrives
    later (a queued task), so a test chooses when (or whether) tabs hear of a write.
    """

    def __init__(self) -> None:
        self.queue: list[tuple[FakeStorage, str | None, str | None]] = []
        self._listeners: list[tuple[FakeStorage, StorageListener]] = []

    def listen(self, storage: FakeStorage, callback: StorageListener) -> Callable[[], None]:
        """Call ``callback(key, new_value)`` for writes made through other tabs' storages.

        Returns a function that stops listening (the tab was closed).
        """
        storage.events = self
        entry = (storage, callback)
        self._listeners.append(entry)
        return lambda: self._listeners.remove(entry) if entry in self._listeners else None

    def record(self, source: FakeStorage, key: str | None, new_value: str | None) -> None:
        self.queue.append((source, key, new_value))

    def deliver(self) -> int:
        """Hand every queued event to the other tabs; returns how many were queued."""
        queued, self.queue = self.queue, []
        for source, key, new_value in queued:
            for storage, callback in list(self._listeners):
                if storage is not source:
                    callback(key, new_value)
        return len(queued)


class FakeStorage:
    """A ``localStorage`` stand-in; share ``data`` between two fakes to model two tabs."""

    def __init__(self, data: dict[str, str] | None = None, *, quota_bytes: int | None = None,
                 events: FakeStorageEvents | None = None) -> None:
        self.data: dict[str, str] = {} if data is None else data
        self.quota_bytes = quota_bytes
        self.unavailable = False
        self.writes = 0  # successful setItem calls, for "one write per pause" checks
        self.events = events

    def _check(self) -> None:
        if self.unavailable:
            raise StorageUnavailable("SecurityError: access to localStorage is denied")

    def bytes_used(self) -> int:
        # Browsers count UTF-16 code units of keys and values, two bytes each.
        return sum(2 * (len(k) + len(v)) for k, v in self.data.items())

    def getItem(self, key: str) -> str | None:  # noqa: N802 - Web Storage name
        self._check()
        return self.data.get(key)

    def setItem(self, key: str, value: str) -> None:  # noqa: N802
        self._check()
        if self.quota_bytes is not None:
            replaced = 2 * (len(key) + len(self.data[key])) if key in self.data else 0
            if self.bytes_used() - replaced + 2 * (len(key) + len(value)) > self.quota_bytes:
                raise QuotaExceeded("QuotaExceededError: the quota has been exceeded")
        old = self.data.get(key)
        self.data[key] = value
        self.writes += 1
        if self.events is not None and old != value:  # browsers stay silent when nothing changed
            self.events.record(self, key, value)

    def removeItem(self, key: str) -> None:  # noqa: N802
        self._check()
        if self.data.pop(key, None) is not None and self.events is not None:
            self.events.record(self, key, None)

    def key(self, index: int) -> str | None:
        self._check()
        keys = list(self.data)
        return keys[index] if 0 <= index < len(keys) else None

    @property
    def length(self) -> int:
        self._check()
        return len(self.data)


class FakeClock:
    def __init__(self, start_ms: int = 1_767_225_600_000) -> None:  # 2026-01-01T00:00Z
        self._now_ms = start_ms

    def now_ms(self) -> int:
        return self._now_ms

    def set_ms(self, value: int) -> None:
        if value < self._now_ms:
            raise ValueError("FakeClock cannot go backwards")
        self._now_ms = value


@dataclass
class _Timer:
    scheduler: FakeScheduler
    interval_ms: int | None
    callback: Callable[[], None]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


class FakeScheduler:
    """Timers on a ``FakeClock``; ``advance`` fires what falls due, in order."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.clock = clock or FakeClock()
        self._queue: list[tuple[int, int, _Timer]] = []
        self._order = itertools.count()

    def _push(self, due_ms: int, timer: _Timer) -> _Timer:
        heapq.heappush(self._queue, (due_ms, next(self._order), timer))
        return timer

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> _Timer:
        return self._push(self.clock.now_ms() + round(delay_s * 1000), _Timer(self, None, callback))

    def call_every(self, interval_s: float, callback: Callable[[], None]) -> _Timer:
        interval = max(1, round(interval_s * 1000))
        return self._push(self.clock.now_ms() + interval, _Timer(self, interval, callback))

    @property
    def pending(self) -> int:
        """Timers that are armed and not cancelled (a leak shows up here)."""
        return sum(1 for _, _, t in self._queue if not t.cancelled)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time cannot go backwards")
        end = self.clock.now_ms() + round(seconds * 1000)
        while self._queue and self._queue[0][0] <= end:
            due, _, timer = heapq.heappop(self._queue)
            if timer.cancelled:
                continue
            self.clock.set_ms(due)
            if timer.interval_ms is not None:
                self._push(due + timer.interval_ms, timer)
            timer.callback()
        self.clock.set_ms(end)


Handler = Callable[[str, str, dict[str, str], str | None], Awaitable[HttpResponse] | HttpResponse]


@dataclass
class RecordedRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: str | None


@dataclass
class FakeTransport:
    """Calls ``handler(method, url, headers, body)``; ``offline=True`` raises ``NetworkError``."""

    handler: Handler
    offline: bool = False
    requests: list[RecordedRequest] = field(default_factory=list)

    async def request(self, method: str, url: str, *, headers: dict[str, str] | None = None,
                      body: str | None = None, timeout_s: float = 15.0, cancel: Cancel | None = None) -> HttpResponse:
        headers = dict(headers or {})
        self.requests.append(RecordedRequest(method, url, headers, body))
        if self.offline:
            raise NetworkError("offline")
        result = self.handler(method, url, headers, body)
        if isinstance(result, HttpResponse):
            return result
        if cancel is None:
            return await result
        # Like fetch with an AbortSignal: a cancel ends the wait with "no response".
        answer = asyncio.ensure_future(result)
        cancel.on_cancel(answer.cancel)
        try:
            return await answer
        except asyncio.CancelledError:
            if cancel.cancelled:
                raise NetworkError("AbortError: cancelled") from None
            raise


@dataclass(frozen=True)
class FakeTimeZones:
    """The browser's time zones, from CPython's tz database (``zoneinfo``): daylight saving included.

    ``local`` is the zone the browser itself is in (Playwright's ``timezone_id`` in browser tests).
    """

    local: str = "Asia/Makassar"

    def offset_minutes(self, epoch_ms: int, zone: str | None = None) -> int:
        from datetime import datetime
        from zoneinfo import ZoneInfo

        offset = datetime.fromtimestamp(epoch_ms / 1000, ZoneInfo(zone or self.local)).utcoffset()
        return int(offset.total_seconds() // 60) if offset is not None else 0


class FakeLocks:
    """``navigator.locks`` with ``ifAvailable``; share one ``held`` set between "tabs" of one origin."""

    def __init__(self, held: set[str] | None = None) -> None:
        self.held = set() if held is None else held
        self.refused: list[str] = []

    async def run_exclusive(self, name, work):
        if name in self.held:
            self.refused.append(name)
            return False, None
        self.held.add(name)
        try:
            return True, await work()
        finally:
            self.held.discard(name)

    async def hold(self, name, ms):
        # Kept until the test lets it go (``held.discard``): a fake has no timers of its own.
        self.held.add(name)

    async def is_held(self, name):
        return name in self.held

class FakePushDevice:
    """``PushDevice``: ``answer`` is what the person picks when asked ("granted", "denied", or
    "default" for a dismissed prompt); ``asked`` counts the prompts, each made at call time (as
    in the click), awaited later. Share ``current`` between two devices for two pages of one browser."""

    def __init__(self, *, supported: bool = True, permission: str = "default", answer: str = "granted",
                 endpoint: str = "https://push.example.test/sub/1") -> None:
        self.supported = supported
        self._permission, self.answer, self.endpoint = permission, answer, endpoint
        self.current: dict | None = None
        self.asked = 0
        self.subscribed_with: str | None = None
        self.fail_subscribe = False

    def permission(self) -> str:
        return self._permission

    def request_permission(self):
        self.asked += 1
        if self._permission == "default":
            self._permission = self.answer

        async def answered(value: str = self._permission) -> str:
            return value

        return answered()

    async def subscription(self) -> dict | None:
        return self.current

    async def subscribe(self, public_key: str) -> dict:
        if self.fail_subscribe:
            raise PushFailed("AbortError: Registration failed - push service error")
        self.subscribed_with = public_key
        if self.current is None:
            self.current = {"endpoint": self.endpoint, "keys": {"p256dh": "BPk3", "auth": "aXV0aA"}}
        return self.current

    async def unsubscribe(self) -> None:
        self.current = None
