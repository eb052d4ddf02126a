"""The inbox's HTTP calls: JSON with the therapist's bearer, and one place that hears every 401.

``WatchedTransport`` wraps the ``Transport`` port for everything the inbox sends (its own
reads, the long polls, the outbox's replies): an answer of 401 to a request that carried a
bearer calls ``on_denied`` (the page returns to the sign-in form), and whether the last
request got any answer at all is kept in ``connected`` (the page says it is showing the last
list it had). ``InboxApi`` maps answers to data or typed errors (``app.domain.errors``)::

    NetworkError        no answer at all
    AccessDenied        401 (token wrong or revoked)
    UnexpectedAnswer    any other non-2xx, or a body that is not a JSON object

Example::

    transport = WatchedTransport(FetchTransport(), on_denied=inbox.token_refused)
    api = InboxApi(transport, "./api", headers=auth.headers)
    me = await api.get("therapist/me")          # {"therapist_id": "t-ayu", "name": "Ayu Lestari"}
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from app.domain.errors import AccessDenied, NetworkError, UnexpectedAnswer
from app.domain.ports import Cancel, HttpResponse, Transport
from app.outbox.sender import api_url


class WatchedTransport:
    """The ``Transport`` port, reporting 401s and lost connections on the way through."""

    def __init__(self, inner: Transport, *, on_denied: Callable[[], None] | None = None,
                 on_connection: Callable[[bool], None] | None = None) -> None:
        self.inner, self.on_denied, self.on_connection = inner, on_denied, on_connection
        self.connected = True

    async def request(self, method: str, url: str, *, headers: dict[str, str] | None = None,
                      body: str | None = None, timeout_s: float = 15.0, cancel: Cancel | None = None) -> HttpResponse:
        try:
            response = await self.inner.request(method, url, headers=headers, body=body, timeout_s=timeout_s,
                                                 cancel=cancel)
        except NetworkError:
            if cancel is None or not cancel.cancelled:  # stopped on purpose: says nothing about the network
                self._connected(False)
            raise
        self._connected(True)
        if response.status == 401 and "Authorization" in (headers or {}) and self.on_denied is not None:
            self.on_denied()
        return response

    def _connected(self, value: bool) -> None:
        if value != self.connected:
            self.connected = value
            if self.on_connection is not None:
                self.on_connection(value)


class InboxApi:
    def __init__(self, transport: Transport, api_base: str, *,
                 headers: Callable[[], dict[str, str]] = dict) -> None:
        self.transport, self.api_base, self.headers = transport, api_base, headers

    async def get(self, path: str, *, headers: dict[str, str] | None = None) -> dict[str, Any]:
        return await self._call("GET", path, None, headers)

    async def post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self._call("POST", path, json.dumps(body or {}), None)

    async def _call(self, method: str, path: str, body: str | None,
                    headers: dict[str, str] | None) -> dict[str, Any]:
        sent = {"Accept": "application/json", **self.headers(), **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/json"
        response = await self.transport.request(method, api_url(self.api_base, path), headers=sent, body=body)
        if response.status == 401:
            raise AccessDenied(401)
        if not 200 <= response.status < 300:
            raise UnexpectedAnswer(response.status)
        try:
            data = json.loads(response.text)
        except ValueError as error:
            raise UnexpectedAnswer(response.status, "not JSON") from error
        if not isinstance(data, dict):
            raise UnexpectedAnswer(response.status, "not a JSON object")
        return data
