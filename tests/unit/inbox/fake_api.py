"""A small in-memory therapist API for the inbox's unit tests, behind ``FakeTransport``.

Shaped like ``backend/api/therapist.py``: bearer tokens, the conversation list (a long poll
that waits for a change; requests waiting first), each conversation's messages (a long poll on
``m.<seq>.<read>``), replies stored once per id, read marks, bookings and the therapist's
actions on them (the lifecycle table, one system message per transition, a replayed
Idempotency-Key answered with the first answer, 409 with the current status). ``revoke()`` makes every call a 401;
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
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from app.domain.errors import NetworkError
from app.domain.lifecycle import Refused, next_status
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
        self.booking_rows: dict[str, dict[str, Any]] = {}
        self.transitions: list[tuple[str, str]] = []  # (booking id, new status), one per transition
        self.action_posts: list[str] = []  # Idempotency-Keys, one per POST (retries count)
        self.action_answers: dict[str, HttpResponse] = {}  # by key: a replay gets the first answer
        self.lose_next_answer = False  # the server acts, the answer never reaches the page
        self.upcoming_gets = 0
        self.waiting: dict[str, int] = {}  # long polls of each conversation held right now
        self.now = datetime(2026, 1, 1, tzinfo=timezone.utc)  # the server's clock (the pages' FakeClock start)
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

    def add_booking(self, customer_id: str, *, status: str = "requested",
                    starts_at: str | None = "2026-01-02T15:00:00+08:00", name: str = "Ana",
                    address: str = "Villa Kayu, Jl. Raya Ubud 12") -> str:
        """A booking of this customer (a request by default), announced by a system message."""
        session = f"session_t-ayu_{customer_id}"
        self.messages.setdefault(session, [])
        self.read_through.setdefault(session, 0)
        self.names[session] = name
        booking_id = f"bk_{len(self.booking_rows) + 1}"
        self.booking_rows[booking_id] = {
            "id": booking_id, "status": status, "created_at": 1, "session_id": session,
            "booking": {"therapist_id": "t-ayu", "therapist_name": "Ayu Lestari", "customer_id": customer_id,
                        "customer_name": name, "customer_whatsapp": "+6281234567890", "duration": 90,
                        "price": 450000, "location_type": "villa",
                        "massage_for": "myself", "address": address,
                        **({"starts_at": starts_at} if starts_at else {"asap": True})},
            "starts_at": starts_at, "time_zone": "Asia/Makassar", "time_zone_label": "WITA",
            "status_reason": "", "status_changed_at": 0, "status_changed_by": None}
        self._system(session, booking_id, status, "customer")
        return booking_id

    def transition(self, booking_id: str, status: str, by: str, reason: str = "") -> None:
        """What the server does on an action or the sweep: the new status, one system message."""
        row = self.booking_rows[booking_id]
        row.update(status=status, status_reason=reason, status_changed_by=by)
        self.transitions.append((booking_id, status))
        self._system(row["session_id"], booking_id, status, by, reason)

    def _system(self, session: str, booking_id: str, status: str, by: str, reason: str = "") -> None:
        row = self.booking_rows[booking_id]
        items = self.messages[session]
        items.append({"id": f"sys{len(items) + 1}", "session_id": session, "sender_type": "system",
                      "sender_id": "system", "message": f"Booking {booking_id} is {status}", "timestamp": 1,
                      "server_time": self.version + 1, "seq": len(items) + 1, "read": None,
                      "event": {"kind": "booking", "booking_id": booking_id, "status": status, "by": by,
                                "starts_at": row["starts_at"], "time_zone_label": "WITA",
                                "therapist_name": "Ayu Lestari", "customer_name": row["booking"]["customer_name"],
                                "reason": reason}})
        self._bump()

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
        if path.startswith("bookings/"):
            return self._action(path, headers, json.loads(body or "{}"))
        if path == "bookings":
            return self._upcoming(query)
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
            mine = [_public(b) for b in self.booking_rows.values() if b["session_id"] == session]
            return _json({"bookings": self.bookings.get(session, []) + mine})
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
                                       and m["seq"] > self.read_through[session]),
                         "requests_waiting": sum(1 for b in self.booking_rows.values()
                                                 if b["session_id"] == session and b["status"] == "requested")})
        rows.sort(key=lambda r: r["last_activity"], reverse=True)
        rows.sort(key=lambda r: r["requests_waiting"] == 0)  # the server's order: requests waiting first
        return _json({"conversations": rows, "cursor": f"c.{self.version}"})

    async def _page(self, session: str, query: dict[str, str]) -> HttpResponse:
        seq, read = (int(n) for n in query.get("after", "m.0.0").split(".")[1:])

        def news() -> bool:
            return self.read_through[session] != read or any(m["seq"] > seq for m in self.messages[session])

        if not news() and float(query.get("wait", 0)):
            self.waiting[session] = self.waiting.get(session, 0) + 1
            try:
                await self._changed.wait()
            finally:
                self.waiting[session] -= 1
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

    def _action(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> HttpResponse:
        key = headers["Idempotency-Key"]
        self.action_posts.append(key)
        answer = self.action_answers.get(key)
        if answer is None:
            booking_id, action = path.removeprefix("bookings/").split("/")
            row = self.booking_rows.get(booking_id)
            if row is None:
                return HttpResponse(404, '{"detail": "No such booking."}')
            if action in ("decline", "cancel") and not body.get("reason"):
                return HttpResponse(422, json.dumps({"detail": [{"loc": ["body", "reason"], "msg": "Field required",
                                                                 "type": "missing"}]}))
            starts = datetime.fromisoformat(row["starts_at"]) if row["starts_at"] else None
            try:
                status = next_status(row["status"], action, "therapist", now=self.now, starts_at=starts)
            except Refused as refused:
                answer = HttpResponse(409, json.dumps({"detail": str(refused), "status": refused.status}))
            else:
                self.transition(booking_id, status, "therapist", body.get("reason", ""))
                answer = _json(_public(row))
            self.action_answers[key] = answer
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise NetworkError("the answer was lost on the way")
        return answer

    def _upcoming(self, query: dict[str, str]) -> HttpResponse:
        self.upcoming_gets += 1
        rows = [_public(b) for b in self.booking_rows.values() if b["status"] == query.get("status", b["status"])]
        return _json({"bookings": sorted(rows, key=lambda b: b["starts_at"] or "")})

    def replies(self, session: str) -> list[dict[str, Any]]:
        return [m for m in self.messages[session] if m["sender_type"] == "therapist"]


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "session_id"}


def _json(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(status, json.dumps(data), {"content-type": "application/json"})
