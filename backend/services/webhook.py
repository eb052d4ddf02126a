"""The signed webhook: one JSON POST per notification to ``NOTIFY_WEBHOOK_URL`` (the bridge to
WhatsApp Business, SMS or e-mail that the operator runs).

Signed like Stripe's: ``Chat-Booking-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<raw body>" keyed with NOTIFY_WEBHOOK_SECRET>``. A 2xx is delivered; any other answer, a
redirect (never followed), or no answer within ``NOTIFY_WEBHOOK_TIMEOUT`` is a retry. The body is
the row's stored payload, byte for byte the same on every attempt (so is its ``id``); only ``t``
and the signature are new.

Example::

    header = signature(b'{"id": "ntf_1"}', "secret", timestamp=1764757392)
    # "t=1764757392,v1=5d1c..."
    outcome = post(settings, body_bytes)
"""

from __future__ import annotations

import hashlib
import hmac
import time

import httpx

from backend.core.config import Settings
from backend.services.webpush import Outcome

HEADER = "Chat-Booking-Signature"


def signature(body: bytes, secret: str, *, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def post(settings: Settings, body: bytes, client: httpx.Client | None = None) -> Outcome:
    assert settings.notify_webhook_url and settings.notify_webhook_secret, "the webhook is off"
    headers = {"Content-Type": "application/json", HEADER: signature(body, settings.notify_webhook_secret),
               "User-Agent": "chat-booking-notify/1"}
    own = client is None
    client = client or httpx.Client(timeout=settings.notify_webhook_timeout, follow_redirects=False)
    try:
        response = client.post(settings.notify_webhook_url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return Outcome("retry", f"webhook: {type(exc).__name__}: {exc}"[:300])
    finally:
        if own:
            client.close()
    if 200 <= response.status_code < 300:
        return Outcome("delivered")
    return Outcome("retry", f"webhook answered {response.status_code}",
                   float(response.headers["retry-after"]) if response.headers.get("retry-after", "").isdigit()
                   else None)
