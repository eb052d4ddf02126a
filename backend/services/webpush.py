"""Web Push (RFC 8030) with ``aes128gcm`` payloads (RFC 8291) and VAPID (RFC 8292): the push channel.

The library does the cryptography: ``pywebpush.WebPusher.encode`` encrypts a payload for one
subscription (``http_ece``), ``py_vapid`` signs the JWT. The HTTP request is ours (httpx): a
timeout (``NOTIFY_WEBHOOK_TIMEOUT``), no redirects followed, and a subscription's endpoint must be
on an origin of ``PUSH_SERVICES`` -- checked when it is stored *and* when it is sent to, so a
subscription can never make this server POST anywhere else.

    push service answers   outcome
    2xx                    delivered
    404, 410               gone: the subscription is deleted, the row dropped
    429, 5xx, no answer    retried (backoff)
    other 4xx              failed (our request is wrong: retrying would not help)

Example::

    private, public = new_vapid_keys()        # base64url: 32-byte key, 65-byte uncompressed point
    endpoint_allowed("https://fcm.googleapis.com/fcm/send/x", settings.push_origins)   # True
    outcome = send(subscription, b'{"title": "Hi"}', settings)                        # Outcome
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from pywebpush import WebPusher

from backend.core.config import Settings
from backend.crud.notifications import PushSubscription

TTL_S = 24 * 3600       # how long the push service may hold a message for an offline device
JWT_LIFETIME_S = 12 * 3600


@dataclass(frozen=True)
class Outcome:
    kind: str             # "delivered" | "retry" | "gone" | "refused"
    detail: str = ""
    retry_after: float | None = None


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_vapid_keys() -> tuple[str, str]:
    """A new P-256 key pair: (VAPID_PRIVATE_KEY, the public key the browser's subscribe() takes)."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return b64url(private), public_key_of_private(b64url(private))


def public_key_of_private(private: str) -> str:
    """The applicationServerKey for ``VAPID_PRIVATE_KEY`` (base64url uncompressed point)."""
    vapid = Vapid.from_string(private)
    return b64url(vapid.public_key.public_bytes(serialization.Encoding.X962,
                                                serialization.PublicFormat.UncompressedPoint))


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80)


def endpoint_allowed(endpoint: str, origins: tuple[str, ...]) -> bool:
    """True when ``endpoint`` is on one of ``origins`` (scheme, host and port all equal);
    ``https://*.notify.windows.com`` stands for any host under notify.windows.com (not itself)."""
    found = _origin(endpoint)
    if found is None or urlsplit(endpoint).username is not None:
        return False
    for allowed in origins:
        wildcard = "://*." in allowed
        want = _origin(allowed.replace("://*.", "://", 1))
        if want is None or (found[0], found[2]) != (want[0], want[2]):
            continue
        if found[1] == want[1] if not wildcard else found[1].endswith("." + want[1]):
            return True
    return False


def keys_valid(p256dh: str, auth: str) -> tuple[bool, bool]:
    """(p256dh is a P-256 uncompressed point, auth is 16 bytes), both base64url."""
    try:
        point = b64url_decode(p256dh)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        point_ok = len(point) == 65
    except (ValueError, TypeError):
        point_ok = False
    try:
        auth_ok = len(b64url_decode(auth)) == 16
    except (ValueError, TypeError):
        auth_ok = False
    return point_ok, auth_ok


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


def outcome_of(response: httpx.Response) -> Outcome:
    status = response.status_code
    if 200 <= status < 300:
        return Outcome("delivered")
    if status in (404, 410):
        return Outcome("gone", f"push service answered {status}: subscription expired")
    if status == 429 or status >= 500 or status == 408:
        return Outcome("retry", f"push service answered {status}", _retry_after(response))
    return Outcome("refused", f"push service answered {status}: {response.text[:200]}")


def send(subscription: PushSubscription, payload: bytes, settings: Settings,
         client: httpx.Client | None = None) -> Outcome:
    """Encrypt ``payload`` for the subscription, sign, POST once; the outcome (never raises for
    the network: a timeout or refused connection is a retry)."""
    if not endpoint_allowed(subscription.endpoint, settings.push_origins):
        return Outcome("refused", "endpoint not on an origin of PUSH_SERVICES")
    assert settings.vapid_private_key and settings.vapid_subject, "push is off"
    pusher = WebPusher({"endpoint": subscription.endpoint,
                        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}})
    body = pusher.encode(payload, "aes128gcm")["body"]
    scheme, host, port = _origin(subscription.endpoint)  # type: ignore[misc]
    default = (scheme, port) in (("https", 443), ("http", 80))
    claims = {"aud": f"{scheme}://{host}" + ("" if default else f":{port}"),
              "exp": int(time.time()) + JWT_LIFETIME_S, "sub": settings.vapid_subject}
    headers = {**Vapid.from_string(settings.vapid_private_key).sign(claims),
               "Content-Encoding": "aes128gcm", "Content-Type": "application/octet-stream",
               "TTL": str(TTL_S), "Urgency": "high"}
    own = client is None
    client = client or httpx.Client(timeout=settings.notify_webhook_timeout, follow_redirects=False)
    try:
        response = client.post(subscription.endpoint, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return Outcome("retry", f"push service: {type(exc).__name__}: {exc}"[:300])
    finally:
        if own:
            client.close()
    return outcome_of(response)
