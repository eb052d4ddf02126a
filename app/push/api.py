"""The push subscription API, for the therapist (inbox) and the customer (booking page).

::

    GET    /api/push/config                       {"enabled", "public_key"}          (no token)
    POST   /api/therapist/push-subscriptions      subscription + "language"          therapist bearer
    DELETE /api/therapist/push-subscriptions      {"endpoint"}                       therapist bearer
    POST   /api/push-subscriptions                subscription + "language", "customer_id"  customer bearer
    DELETE /api/push-subscriptions                {"customer_id", "endpoint"}        customer bearer

A ``PushOwner`` says who is subscribing: its ``key`` (``therapist:<id>`` / ``customer:<id>``, how
``app.push.record`` files the endpoint), its path, its bearer headers *as they are now* (signing
out forgets the token, and the DELETE must still carry it) and the body fields it adds.
Answers: 2xx is done; anything else raises ``ServiceError`` (a 422 is a push service the server
does not accept: ``PUSH_SERVICES``); no answer raises ``NetworkError``.

Example::

    api = PushApi(transport, "./api")
    config = await api.config()                                   # PushConfig(enabled=True, ...)
    owner = PushOwner.customer(customer_id, identity.auth_headers())
    await api.store(owner, {"endpoint": "...", "keys": {"p256dh": "...", "auth": "..."}}, language="id")
    await api.delete(owner, "https://...")
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from app.domain.errors import AccessDenied, UnexpectedAnswer
from app.domain.ports import HttpResponse, Transport
from app.outbox.sender import api_url
from app.push.record import PushConfig

# A push call is small and nobody waits on it for long; Forget me bounds it further.
TIMEOUT_S = 10.0


@dataclass(frozen=True)
class PushOwner:
    key: str
    path: str
    headers: dict[str, str]
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def therapist(cls, therapist_id: str, headers: dict[str, str]) -> PushOwner:
        return cls(f"therapist:{therapist_id}", "therapist/push-subscriptions", headers)

    @classmethod
    def customer(cls, customer_id: str, headers: dict[str, str]) -> PushOwner:
        return cls(f"customer:{customer_id}", "push-subscriptions", headers, {"customer_id": customer_id})


class PushApi:
    def __init__(self, transport: Transport, api_base: str) -> None:
        self.transport, self.api_base = transport, api_base

    async def config(self) -> PushConfig:
        response = await self._send("GET", "push/config", {"Accept": "application/json"}, None)
        try:
            return PushConfig.model_validate_json(response.text)
        except ValidationError as error:
            raise UnexpectedAnswer(response.status, "not a push config") from error

    async def store(self, owner: PushOwner, subscription: dict[str, Any], *, language: str) -> None:
        body = {"endpoint": subscription.get("endpoint"), "keys": subscription.get("keys"),
                **owner.extra, "language": language}
        await self._send("POST", owner.path, owner.headers, body)

    async def delete(self, owner: PushOwner, endpoint: str) -> None:
        await self._send("DELETE", owner.path, owner.headers, {**owner.extra, "endpoint": endpoint})

    async def _send(self, method: str, path: str, headers: dict[str, str],
                    body: dict[str, Any] | None) -> HttpResponse:
        sent = {"Accept": "application/json", **headers}
        if body is not None:
            sent["Content-Type"] = "application/json"
        response = await self.transport.request(method, api_url(self.api_base, path), headers=sent,
                                                body=None if body is None else json.dumps(body),
                                                timeout_s=TIMEOUT_S)
        if response.status == 401:
            raise AccessDenied(401)
        if not 200 <= response.status < 300:
            raise UnexpectedAnswer(response.status)
        return response
