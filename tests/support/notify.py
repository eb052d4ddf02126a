"""A backend with notifications on, for tests: the settings a local receiver needs, and a chat on it.

``notify_env(receiver)`` sends the webhook (and, with ``push=True``, Web Push) to a local
``tests.support.receiver.Receiver``, with short delays so tests stay fast. ``NotifyChat`` is one
customer talking to Ayu through the real API: book, write, reply, mark read, subscribe.

Example::

    with Receiver() as receiver, running_server(db, env=notify_env(receiver)) as url:
        chat = NotifyChat.start(url, db)
        chat.send("Hello")
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from backend.services.webpush import new_vapid_keys
from tests.support.receiver import Receiver
from tests.support.server import ROOT

SECRET = "whsec-test-0123456789abcdef"
SUBJECT = "mailto:ops@example.com"
WHATSAPP = "+62 812 3456 7890"
WHATSAPP_DIGITS = "6281234567890"
_KEYS = new_vapid_keys()
VAPID_PRIVATE, VAPID_PUBLIC = _KEYS
QUIET = {"BOOKING_ADMIN_TOKEN": "", "CORS_ALLOW_ORIGINS": "", "WORKERS": "1", "FRAME_ANCESTORS": "",
         "TRUSTED_PROXIES": "", "API_DOCS": "0", "RATE_LIMIT_WRITES": "1000000",
         "RATE_LIMIT_AUTH_FAILURES": "1000000", "MAX_CONNECTIONS_PER_CLIENT": "1000"}


def notify_env(receiver: Receiver | None, *, webhook: bool = True, push: bool = False,
               push_origin: str | None = None, **overrides: str) -> dict[str, str]:
    env = {**QUIET, "NOTIFY_DELAY": "0", "NOTIFY_POLL": "0.2", "NOTIFY_RETRY_BASE": "0.3",
           "NOTIFY_WEBHOOK_TIMEOUT": "5", "NOTIFY_WEBHOOK_URL": "", "NOTIFY_WEBHOOK_SECRET": "",
           "VAPID_PRIVATE_KEY": "", "VAPID_SUBJECT": "", "PUSH_SERVICES": ""}
    if webhook and receiver is not None:
        env |= {"NOTIFY_WEBHOOK_URL": receiver.url + "/hook", "NOTIFY_WEBHOOK_SECRET": SECRET}
    if push:
        origin = push_origin or (receiver.origin if receiver is not None else "")
        env |= {"VAPID_PRIVATE_KEY": VAPID_PRIVATE, "VAPID_SUBJECT": SUBJECT, "PUSH_SERVICES": origin}
    return env | overrides


def therapist_token(database: Path | str, therapist_id: str = "t-ayu") -> str:
    result = subprocess.run([sys.executable, "-m", "backend", "therapist-token", therapist_id], cwd=ROOT,
                            env={**os.environ, "DATABASE_URL": str(database)}, capture_output=True, text=True,
                            timeout=60, check=True)
    return result.stdout.strip()


def wait_until(check: Callable[[], bool], timeout: float = 20.0) -> bool:
    """Poll ``check`` every 0.1 s until it is true or ``timeout`` seconds pass; its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


@dataclass
class NotifyChat:
    url: str
    therapist_auth: dict[str, str]
    customer_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @classmethod
    def start(cls, url: str, database: Path | str, therapist_token_: str | None = None) -> NotifyChat:
        token = therapist_token_ or therapist_token(database)
        return cls(url, {"Authorization": f"Bearer {token}"})

    def another(self) -> NotifyChat:
        return NotifyChat(self.url, self.therapist_auth)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def session_id(self) -> str:
        return f"session_t-ayu_{self.customer_id}"

    def _client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def book(self, *, whatsapp_updates: bool = False, **overrides: Any) -> httpx.Response:
        body = {"therapist_id": "t-ayu", "therapist_name": "Ayu Lestari", "customer_id": self.customer_id,
                "customer_name": "Ana Putri", "customer_whatsapp": WHATSAPP, "duration": 90, "price": 475000,
                "location_type": "villa", "massage_for": "partner", "address": "Villa Kayu, Jl. Raya Ubud 12",
                "asap": True, "whatsapp_updates": whatsapp_updates} | overrides
        with self._client() as client:
            return client.post("/api/bookings", json=body,
                               headers={**self.auth, "Idempotency-Key": str(uuid.uuid4())})

    def send(self, text: str = "Hello, is 3 pm free?") -> httpx.Response:
        body = {"id": "m-" + uuid.uuid4().hex, "sender_id": self.customer_id, "sender_type": "customer",
                "message": text, "timestamp": int(time.time() * 1000)}
        with self._client() as client:
            return client.post(f"/api/conversations/{self.session_id}/messages", json=body, headers=self.auth)

    def reply(self, text: str = "Yes, 3 pm is free") -> httpx.Response:
        with self._client() as client:
            return client.post(f"/api/therapist/conversations/{self.session_id}/messages",
                               json={"id": str(uuid.uuid4()), "message": text}, headers=self.therapist_auth)

    def therapist_reads(self) -> httpx.Response:
        with self._client() as client:
            return client.post(f"/api/therapist/conversations/{self.session_id}/read", headers=self.therapist_auth)

    def customer_reads(self, through: int) -> httpx.Response:
        with self._client() as client:
            return client.post(f"/api/conversations/{self.session_id}/read", params={"through": through},
                               headers=self.auth)

    def subscribe_therapist(self, subscription: dict[str, Any]) -> httpx.Response:
        with self._client() as client:
            return client.post("/api/therapist/push-subscriptions", json=subscription, headers=self.therapist_auth)

    def subscribe_customer(self, subscription: dict[str, Any]) -> httpx.Response:
        with self._client() as client:
            return client.post("/api/push-subscriptions", json={**subscription, "customer_id": self.customer_id},
                               headers=self.auth)
