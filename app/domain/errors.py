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
    ├── NetworkError                 a request got no response at all: offline, DNS,
    │                                reset, timeout (raised by the Transport port)
    ├── ServiceError                 the server answered, but not with what was asked for
    │   ├── AccessDenied             401: the therapist's token is wrong or was revoked
    │   └── UnexpectedAnswer         any other non-2xx, or a body that is not the expected JSON
    └── PushFailed                   the browser would not subscribe to push (no service worker
                                     ready, the push service unreachable, AbortError/NotAllowedError)

For the outbox an HTTP answer, even a 5xx, is not an error: ``app.outbox.responses`` classifies
it into an outcome the outbox acts on (retry, park, refuse), and the person sees a status. The
inbox's plain reads (``app.inbox.api``) raise ``ServiceError`` instead.

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


class NetworkError(ChatBookingError):
    """A request got no HTTP response (offline, connection reset, timeout)."""


class ServiceError(ChatBookingError):
    """The server answered, but not with what was asked for; ``status`` is its HTTP status."""

    def __init__(self, status: int, detail: str = "") -> None:
        super().__init__(f"server answered {status}{': ' + detail if detail else ''}")
        self.status = status


class AccessDenied(ServiceError):
    """401: the bearer token is missing, wrong or revoked; asking again will not help."""


class UnexpectedAnswer(ServiceError):
    """Any other non-2xx answer, or a 2xx whose body is not the JSON expected."""


class PushFailed(ChatBookingError):
    """The browser could not subscribe this device to Web Push (or unsubscribe it)."""
