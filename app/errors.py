"""Typed errors of Chat Booking.

Adapters map foreign failures (a browser ``JsException``, an HTTP status) to
these with ``raise ... from exc``, so the core never inspects JS error names::

    ChatBookingError
    ├── StorageError                 something went wrong with localStorage
    │   ├── StorageUnavailable       access throws (Safari private mode, Firefox
    │   │                            "dom.storage.enabled = false", sandboxed iframe:
    │   │                            SecurityError) or window.localStorage is null
    │   ├── QuotaExceeded            setItem refused for lack of space (Chrome/Safari
    │   │                            QuotaExceededError, Firefox NS_ERROR_DOM_QUOTA_REACHED)
    │   └── CorruptRecord            a stored value is not valid JSON, fails its
    │                                integrity check, or fails model validation
    └── SyncError                    the booking could not be sent (yet)
        ├── NetworkError             no response at all: offline, DNS, reset, timeout
        ├── ServerUnavailable        408 / 429 / 5xx: try again later (retry_after_s)
        ├── ServerRejected           400 / 422: the server refused the data (field errors)
        └── Conflict                 409: the request clashes with one already stored

Example::

    try:
        storage.setItem(key, value)
    except QuotaExceeded:
        free_space()
"""

from __future__ import annotations


class ChatBookingError(Exception):
    """Base of every error this package raises on purpose."""


class StorageError(ChatBookingError):
    """localStorage could not do what we asked."""


class StorageUnavailable(StorageError):
    """localStorage cannot be used at all in this browser context."""


class QuotaExceeded(StorageError):
    """The browser refused a write because the origin's storage is full."""


class CorruptRecord(StorageError):
    """A stored value could not be decoded, failed its checksum, or is invalid."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


class SyncError(ChatBookingError):
    """Sending a booking to the backend did not succeed (yet)."""


class NetworkError(SyncError):
    """The request got no HTTP response (offline, connection reset, timeout)."""


class ServerUnavailable(SyncError):
    """408, 429 or 5xx: worth retrying; ``retry_after_s`` is the server's hint, if any."""

    def __init__(self, status: int, retry_after_s: float | None = None) -> None:
        super().__init__(f"server answered {status}")
        self.status = status
        self.retry_after_s = retry_after_s


class ServerRejected(SyncError):
    """400 or 422: retrying the same body cannot succeed; ``errors`` are for the customer."""

    def __init__(self, status: int, errors: list[str]) -> None:
        super().__init__(f"server rejected the booking ({status}): " + "; ".join(errors))
        self.status = status
        self.errors = errors


class Conflict(SyncError):
    """409: the server holds something that clashes with this request."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
