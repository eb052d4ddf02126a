"""A small in-memory therapist API for the inbox's unit tests, behind ``FakeTransport``.

Shaped like ``backend/api/therapist.py``: bearer tokens, the conversation list (a long poll
that waits for a change), each conversation's messages (a long poll on ``m.<seq>.<read>``),
replies stored once per id, read marks and bookings. ``revoke()`` makes every call a 401;
``offline`` on the transport makes every call a ``NetworkError``.

Example::

    api = FakeInboxApi()
    session = api.add_customer_message("c1", "Hello")
    transport = api.transport()
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from app.domain.ports import HttpResponse
from tests.support.fakes import FakeTransport

GOOD_TOKEN = "tok-good-" + "x" * 20


class FakeInboxApi:
    def __init__(self) -> None:
        self.tokens = {GOOD_TOKEN: ("t-ayu", "Ayu Lestari")}
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.read_through: dict[str, int] = {}
        self.names: dict[str, str] = {}
        self.bookings: dict[str, list[dict[str, Any]]] = {}
        self.version = 0
        self.read_posts: list[str] = []
        self.reply_posts: list[str] = []  # message ids, one per POST (retries count)
        self.fail_reads = False
        self.refuse_replies = False
        self._changed = asyncio.Event()

    def transport(self) -> FakeTransport:
        return FakeTransport(self.handle)

    # --- what the customer side does -----------------------------------------------------------

    def add_customer_message(self, customer_id: str, text: str) -> str:
        session = f"session_t-ayu_{customer_id}"
        items = self.messages.setdefault(session, [])
        self.read_through.setdefault(session, 0)
        items.append({"id": f"m{len(items) + 1}-{customer_id}", "session_id": session, "sender_type": "customer",
                      "sender_id": customer_id, "message": text, "timestamp": 1, "server_time": self.version + 1,
                      "seq": len(items) + 1, "read": False})
        self._bump()
        return session

    def revoke(self) -> None:
        self.tokens.clear()

    def _bump(self) -> None:
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    # --- the API ---------------------------------------------------------------------------

    async def handle(self, method: str, url: str, headers: dict[str, str], body: str | None) -> HttpResponse:
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            return HttpResponse(401, '{"detail": "Unknown token"}')
        parts = urlsplit(url)
        path = unquote(parts.path).split("/api/therapist/", 1)[1]
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if path == "me":
            therapist_id, name = self.tokens[token]
            return _json({"therapist_id": therapist_id, "name": name})
        if path == "conversations":
            return await self._list(query)
        session, _, rest = path.removeprefix("conversations/").partition("/")
        if session not in self.messages:
            return HttpResponse(404, '{"detail": "No such conversation."}')
        if rest == "messages" and method == "GET":
            return await self._page(session, query)
        if rest == "messages":
            return self._reply(session, json.loads(body or "{}"))
        if rest == "read":
            self.read_posts.append(session)
            if self.fail_reads:
                return HttpResponse(503)
            self.read_through[session] = max([m["seq"] for m in self.messages[session]
                                              if m["sender_type"] == "customer"], default=0)
            self._bump()
            return _json({"read_through": self.read_through[session]})
        if rest == "bookings":
            return _json({"bookings": self.bookings.get(session, [])})
        return HttpResponse(404)

    async def _list(self, query: dict[str, str]) -> HttpResponse:
        seen = int(query["after"].split(".")[1]) if "after" in query else -1
        if seen >= self.version and float(query.get("wait", 0)):
            await self._changed.wait()
        rows = []
        for session, items in self.messages.items():
            last = items[-1] if items else None
            rows.append({"session_id": session, "customer_id": session.rsplit("_", 1)[1],
                         "customer_name": self.names.get(session, "New customer"),
                         "last_message": last["message"] if last else "",
                         "last_activity": last["server_time"] if last else 0,
                         "last_sender_type": last["sender_type"] if last else None,
                         "unread": sum(1 for m in items if m["sender_type"] == "customer"
                                       and m["seq"] > self.read_through[session])})
        rows.sort(key=lambda r: r["last_activity"], reverse=True)
        return _json({"conversations": rows, "cursor": f"c.{self.version}"})

    async def _page(self, session: str, query: dict[str, str]) -> HttpResponse:
        seq, read = (int(n) for n in query.get("after", "m.0.0").split(".")[1:])

        def news() -> bool:
            return self.read_through[session] != read or any(m["seq"] > seq for m in self.messages[session])

        if not news() and float(query.get("wait", 0)):
            await self._changed.wait()
        items = [m for m in self.messages[session] if m["seq"] > seq]
        last = self.messages[session][-1]["seq"] if self.messages[session] else 0
        rt = self.read_through[session]
        return _json({"messages": items, "cursor": f"m.{last}.{rt}", "read_through": rt})

    def _reply(self, session: str, body: dict[str, Any]) -> HttpResponse:
        self.reply_posts.append(body["id"])
        if self.refuse_replies:
            return HttpResponse(422, json.dumps({"detail": "Invalid input", "errors": [
                {"field": "message", "type": "too_long", "message": "Too long for the chat"}]}))
        items = self.messages[session]
        known = next((m for m in items if m["id"] == body["id"]), None)
        if known is not None:
            return _json(known, 200)
        stored = {"id": body["id"], "session_id": session, "sender_type": "therapist", "sender_id": "t-ayu",
                  "message": body["message"], "timestamp": int(time.time() * 1000),
                  "server_time": self.version + 1, "seq": len(items) + 1, "read": None}
        items.append(stored)
        self._bump()
        return _json(stored, 201)

    def replies(self, session: str) -> list[dict[str, Any]]:
        return [m for m in self.messages[session] if m["sender_type"] == "therapist"]


def _json(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(status, json.dumps(data), {"content-type": "application/json"})
