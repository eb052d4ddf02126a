"""A scripted stand-in for the chat API, answering through ``FakeTransport`` (CPython tests only).

It keeps messages per session with a seq, answers GET with what is after the cursor
(``m.<seq>.<read_through>``, the shape the real backend uses), stores a POSTed message once per
id (a replay answers 200 with the stored copy), and can be told to fail the next requests, or
to store a POST and then lose its response, as a dropped connection would.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from app.domain.errors import NetworkError
from app.domain.ports import HttpResponse


class ChatApi:
    def __init__(self) -> None:
        self.messages: dict[str, list[dict]] = {}
        self.read_through: dict[str, int] = {}
        self.posts = 0
        self.script: list[object] = []  # statuses (int) or "lose" / "offline", used by the next requests
        self.now = 1_767_225_700_000
        self.offline = False  # every request fails as if the network were down

    def stored(self, session: str) -> list[dict]:
        return self.messages.setdefault(session, [])

    def reply(self, session: str, text: str, mid: str) -> dict:
        return self._store(session, {"id": mid, "sender_type": "therapist", "sender_id": "t-ayu",
                                     "message": text, "timestamp": self.now})[0]

    def mark_read(self, session: str) -> None:
        customer = [m["seq"] for m in self.stored(session) if m["sender_type"] == "customer"]
        self.read_through[session] = max(customer, default=0)

    def _store(self, session: str, body: dict) -> tuple[dict, bool]:
        for message in self.stored(session):
            if message["id"] == body["id"]:
                return message, False
        self.now += 1
        message = {**body, "session_id": session, "server_time": self.now, "seq": len(self.stored(session)) + 1,
                   "read": False if body["sender_type"] == "customer" else None}
        self.stored(session).append(message)
        return message, True

    async def handle(self, method: str, url: str, headers: dict[str, str], body: str | None) -> HttpResponse:
        step = self.script.pop(0) if self.script else None
        if step == "offline" or self.offline:
            raise NetworkError("offline")
        if isinstance(step, int):
            return HttpResponse(step, json.dumps({"detail": "scripted", "errors": [
                {"field": "message", "message": "is not allowed"}]}), {})
        parts = urlsplit(url)
        session = parts.path.split("/conversations/")[1].split("/")[0]
        if method == "POST":
            self.posts += 1
            message, created = self._store(session, json.loads(body or "{}"))
            if step == "lose":
                raise NetworkError("connection reset after the server stored it")
            return HttpResponse(201 if created else 200, json.dumps(message), {})
        after = parse_qs(parts.query).get("after", ["m.0.0"])[0]
        seen = int(after.split(".")[1])
        newer = [m for m in self.stored(session) if m["seq"] > seen]
        last = newer[-1]["seq"] if newer else seen
        read = self.read_through.get(session, 0)
        return HttpResponse(200, json.dumps({"messages": newer, "cursor": f"m.{last}.{read}",
                                             "read_through": read}), {})
