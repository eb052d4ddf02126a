"""When to try sending a booking again: exponential backoff with full jitter, and ``Retry-After``.

Attempt ``n`` (0 for the first retry) waits ``random() * min(cap, base * 2**n)`` seconds,
with base 1 s and cap 300 s ("full jitter", see
https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/): many phones
coming back online at once spread their retries instead of hitting the server together.
When the server says how long to wait (``Retry-After`` on 429/503, as seconds or an
HTTP-date), we wait at least that long.

Example::

    backoff_delay(3, random=lambda: 0.5)                 # 4.0: half of min(300, 1 * 2**3)
    parse_retry_after("120", now_ms=0)                    # 120.0
    retry_delay(0, retry_after_s=30, random=lambda: 0.5)  # 30.0: the server's hint wins
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable
from datetime import timezone
from email.utils import parsedate_to_datetime

BASE_S = 1.0
CAP_S = 300.0
# A Retry-After beyond this is treated as this: a wrong header (a date years ahead, a
# misconfigured proxy) must not strand a booking on the device.
RETRY_AFTER_MAX_S = 3600.0
# 2**30 s is far past the cap; bounding the exponent keeps float arithmetic from overflowing
# on an entry that has failed for days.
_MAX_EXPONENT = 30


def backoff_delay(attempt: int, *, random: Callable[[], float] = _random.random,
                  base_s: float = BASE_S, cap_s: float = CAP_S) -> float:
    """Seconds to wait before retry ``attempt`` (0-based): full jitter under an exponential ceiling."""
    exponent = min(max(attempt, 0), _MAX_EXPONENT)
    return random() * min(cap_s, base_s * 2**exponent)


def parse_retry_after(value: str | None, now_ms: int) -> float | None:
    """``Retry-After`` as seconds from ``now_ms``: ``"120"`` or ``"Wed, 21 Oct 2026 07:28:00 GMT"``.

    None when absent or unreadable (then plain backoff applies); a date in the past is 0.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():  # RFC 9110: delay-seconds = 1*DIGIT
        seconds = float(int(text))
    else:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:  # HTTP-dates are always GMT; the parser leaves "-0000" naive
            when = when.replace(tzinfo=timezone.utc)
        seconds = max(0.0, when.timestamp() - now_ms / 1000)
    return min(seconds, RETRY_AFTER_MAX_S)


def retry_delay(attempt: int, retry_after_s: float | None = None, *,
                random: Callable[[], float] = _random.random) -> float:
    """The wait before the next attempt: the jittered backoff, but never less than the server asked."""
    delay = backoff_delay(attempt, random=random)
    if retry_after_s is not None:
        delay = max(delay, retry_after_s)
    return delay
