"""The small ports through which the core touches the outside world.

Each port is the size of the host API it stands for, so the browser adapter is a
thin wrapper and a fake (``tests.support.fakes``) is a few lines:

- ``Storage``: the Web Storage shape of ``window.localStorage``.
- ``Scheduler``: ``setTimeout`` / ``setInterval`` as ``call_later`` / ``call_every``.
- ``Clock``: wall time in epoch milliseconds, like JavaScript's ``Date.now()``.
- ``Locks``: ``navigator.locks`` (Web Locks): run work while holding a named lock, across tabs.
- ``Transport``: one HTTP request, answered with an ``HttpResponse`` or a typed
  ``app.domain.errors.NetworkError``.
- ``PushDevice``: the browser's notification permission and the service worker's push
  subscription (``Notification``, ``registration.pushManager``).

Example::

    storage: Storage = FakeStorage()
    storage.setItem("k", "v")
    assert storage.getItem("k") == "v"

Storage adapters raise ``StorageUnavailable`` / ``QuotaExceeded`` from
``app.domain.errors`` instead of the browser's own exception names.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


class Storage(Protocol):
    """``window.localStorage``'s methods, camelCase on purpose (it *is* that API)."""

    def getItem(self, key: str) -> str | None: ...  # noqa: N802 - Web Storage name

    def setItem(self, key: str, value: str) -> None: ...  # noqa: N802

    def removeItem(self, key: str) -> None: ...  # noqa: N802

    def key(self, index: int) -> str | None: ...

    @property
    def length(self) -> int: ...


class TimerHandle(Protocol):
    def cancel(self) -> None:
        """Stop the timer; safe to call twice or after it fired."""


class Scheduler(Protocol):
    def call_later(self, delay_s: float, callback: Callable[[], None]) -> TimerHandle:
        """Run ``callback`` once after ``delay_s`` seconds (like ``setTimeout``)."""

    def call_every(self, interval_s: float, callback: Callable[[], None]) -> TimerHandle:
        """Run ``callback`` every ``interval_s`` seconds until cancelled (``setInterval``)."""


class Clock(Protocol):
    def now_ms(self) -> int:
        """Milliseconds since the Unix epoch, like ``Date.now()``."""


class TimeZones(Protocol):
    """Time zones as the browser knows them: its own (the customer's clock) and any named one.

    The page asks the browser (``Date``/``Intl``) rather than Python's ``zoneinfo``: Pyodide ships
    no tz database, and the browser's is the one the customer's own clock follows.
    """

    def offset_minutes(self, epoch_ms: int, zone: str | None = None) -> int:
        """Minutes east of UTC at that instant in ``zone`` (IANA; None: this device's own zone),
        e.g. ``-300`` in New York in winter, ``480`` in Asia/Makassar."""


@dataclass(frozen=True)
class HttpResponse:
    status: int
    text: str = ""
    # Header names are lower-cased by the transport.
    headers: dict[str, str] = field(default_factory=dict)


class Cancel:
    """Lets a caller stop a request under way: the transport says how (``on_cancel``), the caller
    calls ``cancel()`` (a long poll of a conversation just closed must not keep its connection)."""

    def __init__(self) -> None:
        self.cancelled = False
        self._hooks: list[Callable[[], None]] = []

    def on_cancel(self, hook: Callable[[], None]) -> None:
        if self.cancelled:
            hook()
        else:
            self._hooks.append(hook)

    def cancel(self) -> None:
        self.cancelled = True
        hooks, self._hooks = self._hooks, []
        for hook in hooks:
            hook()


class Transport(Protocol):
    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        body: str | None = None,
        timeout_s: float = 15.0,
        cancel: Cancel | None = None,
    ) -> HttpResponse:
        """Send one request. Raise ``app.domain.errors.NetworkError`` when no response came (also when
        ``cancel`` was cancelled: a transport that cannot stop a request may let it finish)."""


class Locks(Protocol):
    async def run_exclusive(self, name: str, work: Callable[[], Awaitable[Any]]) -> tuple[bool, Any]:
        """Run ``work`` while holding lock ``name`` if no one (this tab or another) holds it:
        ``(True, its result)``; ``(False, None)`` at once when the lock is taken."""

    async def hold(self, name: str, ms: int) -> None:
        """Take lock ``name`` and keep it for ``ms`` (or until the tab closes); returns once granted."""

    async def is_held(self, name: str) -> bool:
        """Whether any tab of this origin holds lock ``name`` right now."""

class PushDevice(Protocol):
    """The browser's Web Push: ``Notification.permission`` and the service worker's ``pushManager``.

    A subscription is its JSON (``PushSubscription.toJSON()``): ``{"endpoint", "keys": {"p256dh",
    "auth"}}``. Failures are ``app.domain.errors.PushFailed``."""

    @property
    def supported(self) -> bool:
        """Notifications, a service worker and the Push API all exist here."""

    def permission(self) -> str:
        """``"granted"``, ``"denied"`` or ``"default"`` (not asked, or the prompt was dismissed)."""

    def request_permission(self) -> Awaitable[str]:
        """Ask the person. Called synchronously inside their click (browsers ask only then); the
        answer is awaited afterwards."""

    async def subscription(self) -> dict[str, Any] | None:
        """This device's current subscription, or None."""

    async def subscribe(self, public_key: str) -> dict[str, Any]:
        """Subscribe (``userVisibleOnly``) with the server's VAPID public key (base64url)."""

    async def unsubscribe(self) -> None:
        """Drop this device's subscription, if any."""
