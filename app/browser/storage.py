"""``window.localStorage`` behind the ``Storage`` port, with browser failures mapped to typed errors.

Browsers fail in their own words: Chrome and Safari raise ``QuotaExceededError``
(legacy code 22), Firefox ``NS_ERROR_DOM_QUOTA_REACHED`` (code 1014); reading
``window.localStorage`` itself raises ``SecurityError`` when storage is blocked
(cookies off, some private modes, sandboxed iframes). See
https://developer.mozilla.org/en-US/docs/Web/API/Storage/setItem#exceptions

Example::

    storage = open_local_storage()      # BrowserStorage, or None when blocked
"""

from __future__ import annotations

import js
from pyodide.ffi import JsException, jsnull

from app.domain.errors import QuotaExceeded, StorageError, StorageUnavailable

_QUOTA_NAMES = ("QuotaExceededError", "NS_ERROR_DOM_QUOTA_REACHED")


def nullable(value):
    """JavaScript ``null`` arrives as ``jsnull`` (not ``None``) in Pyodide 0.28+; the core expects None."""
    return None if value is None or value is jsnull else value


def _typed(error: JsException) -> StorageError:
    name = str(getattr(error, "name", "") or "")
    text = f"{name}: {error}" if name else str(error)
    if name in _QUOTA_NAMES or any(n in text for n in _QUOTA_NAMES):
        return QuotaExceeded(text)
    return StorageUnavailable(text)


class BrowserStorage:
    """Thin wrapper; each call crosses the JS bridge once."""

    def __init__(self, area) -> None:
        self._area = area

    def getItem(self, key: str) -> str | None:  # noqa: N802 - Web Storage name
        try:
            return nullable(self._area.getItem(key))
        except JsException as error:
            raise _typed(error) from error

    def setItem(self, key: str, value: str) -> None:  # noqa: N802
        try:
            self._area.setItem(key, value)
        except JsException as error:
            raise _typed(error) from error

    def removeItem(self, key: str) -> None:  # noqa: N802
        try:
            self._area.removeItem(key)
        except JsException as error:
            raise _typed(error) from error

    def key(self, index: int) -> str | None:
        try:
            return nullable(self._area.key(index))
        except JsException as error:
            raise _typed(error) from error

    @property
    def length(self) -> int:
        try:
            return self._area.length
        except JsException as error:
            raise _typed(error) from error


def open_local_storage() -> BrowserStorage | None:
    """The page's localStorage, or None when the browser blocks it (the core then keeps data in memory)."""
    try:
        area = nullable(js.window.localStorage)
        if area is None:
            return None
        # Some browsers hand out a storage object that throws on first use; probe once.
        area.getItem("chatbooking:v1:probe")
    except JsException:
        return None
    return BrowserStorage(area)
