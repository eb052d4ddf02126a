"""What a browser does on its side of Web Push, for tests: make a subscription, read what arrives.

``BrowserSubscription`` makes the key pair a browser makes for ``pushManager.subscribe()`` (a P-256
key and a 16-byte auth secret), gives the ``PushSubscription.toJSON()`` body for an endpoint, and
decrypts an ``aes128gcm`` body sent to it (RFC 8291, ``http_ece``). ``check_vapid`` reads an
``Authorization: vapid t=<JWT>,k=<key>`` header, verifies the JWT's ES256 signature with ``k`` and
returns its claims (RFC 8292). ``webhook_signature_ok`` is the receiver's side of our webhook
signature, as the README shows it.

Example::

    browser = BrowserSubscription()
    body = browser.to_json(receiver.url + "/push/1")          # POST it to /api/therapist/push-subscriptions
    payload = json.loads(browser.decrypt(request.body))
    claims, key = check_vapid(request.headers["authorization"])
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from typing import Any

import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class BrowserSubscription:
    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    @property
    def p256dh(self) -> str:
        return b64url(self.key.public_key().public_bytes(serialization.Encoding.X962,
                                                         serialization.PublicFormat.UncompressedPoint))

    def to_json(self, endpoint: str, **extra: Any) -> dict[str, Any]:
        return {"endpoint": endpoint, "expirationTime": None,
                "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)}, **extra}

    def decrypt(self, body: bytes) -> bytes:
        return http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm")


def check_vapid(header: str) -> tuple[dict[str, Any], str]:
    """(the JWT's claims, the k= public key) of a ``vapid t=...,k=...`` header; AssertionError when
    the header is malformed or the signature does not verify with k."""
    scheme, _, rest = header.partition(" ")
    assert scheme.lower() == "vapid", header
    parts = dict(item.split("=", 1) for item in rest.split(","))
    token, key = parts["t"], parts["k"]
    head_b64, claims_b64, signature_b64 = token.split(".")
    head = json.loads(unb64url(head_b64))
    assert head["alg"] == "ES256", head
    signature = unb64url(signature_b64)
    assert len(signature) == 64, "ES256 JWS signatures are r || s, 32 bytes each"
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    public.verify(der, f"{head_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
    return json.loads(unb64url(claims_b64)), key


def webhook_signature_ok(header: str, body: bytes, secret: str, tolerance_s: int = 300) -> bool:
    """The receiver's check: ``t=<unix>,v1=<hex HMAC-SHA256("<t>.<body>")>``, fresh within tolerance."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    t = int(fields["t"])
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"]) and abs(time.time() - t) <= tolerance_s
