"""The early-input record: what the person did before Python was ready, as ``static/js/boot.js`` kept it.

``chatbooking:v1:early_input`` is written by plain JavaScript only while the page is loading, and
read once by Python at start-up (``app.browser.boot``), which adopts it and removes it::

    {"fields": {name: value}, "message": "...", "at": <ms>,       typing in the form and the box
     "messages": [{"id", "text", "at", "therapist"}],             Send, each with the id it keeps
     "order": {"at", "therapist"}}                                 Order now, pressed while loading

The record is per origin, the chat per therapist: each message and press carries the page's
``?therapist=`` as boot.js saw it (``""`` for the default therapist), and a page adopts only what
``ours(therapist)`` says is its own; the others stay in the record for that therapist's page. Anything malformed is
skipped, never raised: a damaged record must not stop the page from starting.

Example::

    early = EarlyInput.parse(storage.getItem(EARLY_INPUT_KEY))
    ours = lambda therapist: therapist in ("", "t-ayu")
    early.messages_for(ours)             # [EarlyMessage(id="9f…", text="Is 3 pm free?", at=…, therapist="")]
    early.ordered(ours, since_ms=load)   # True: Order now was pressed during this load
    early.rest(ours)                     # the record without what this page adopts, or None

The inbox's record, ``chatbooking:v1:inbox:early_input`` (``static/js/early-reply.js``), is its own:
the two pages share an origin, and neither must drop what the other has not adopted yet::

    {"session": "<id>", "reply": "...", "at": <ms>,               the reply box once touched (even ""), and where
     "replies": [{"id", "text", "at", "session"}]}                 Send reply, each with the id it keeps

    inbox = EarlyReplies.parse(storage.getItem(INBOX_EARLY_INPUT_KEY))
    inbox.replies                        # (EarlyReply(id="9f…", text="Yes, 3 pm is free", at=…, session_id=…),)
    inbox.typing                         # ("session_t-ayu_…", "See you") or None
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any

from app.domain.models import ID_MAX, INT_MAX, MESSAGE_MAX
from app.persistence.keys import check_session_id

_ID = re.compile(rf"^[A-Za-z0-9_.:-]{{1,{ID_MAX}}}$")


@dataclass(frozen=True)
class EarlyMessage:
    id: str
    text: str
    at: int
    therapist: str


@dataclass(frozen=True)
class EarlyInput:
    at: int | None = None  # when the record was last written (ms); None without a usable record
    messages: tuple[EarlyMessage, ...] = ()
    order_at: int | None = None
    order_therapist: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def parse(cls, text: str | None) -> EarlyInput:
        record = _record(text)
        if record is None:
            return cls()
        at = _time(record.get("at"))
        messages = tuple(m for m in map(_message, _list(record.get("messages"))) if m is not None)
        order = record.get("order") if isinstance(record.get("order"), dict) else {}
        return cls(at=at, messages=messages, order_at=_time(order.get("at")),
                   order_therapist=str(order.get("therapist") or ""), raw=record)

    def messages_for(self, ours: Callable[[str], bool]) -> list[EarlyMessage]:
        """This page's messages, in the order they were sent."""
        return [m for m in self.messages if ours(m.therapist)]

    def ordered(self, ours: Callable[[str], bool], *, since_ms: float) -> bool:
        """Order now was pressed on this therapist's page since ``since_ms`` (this page load).

        A press on a page that was closed before it was ready is not repeated on a later visit:
        the customer never saw it go, and the form they come back to is theirs to send again."""
        return self.order_at is not None and ours(self.order_therapist) and self.order_at >= since_ms

    def rest(self, ours: Callable[[str], bool]) -> str | None:
        """The record once this page has adopted its part: other therapists' messages, or None."""
        others = [m for m in _list(self.raw.get("messages"))
                  if (found := _message(m)) is not None and not ours(found.therapist)]
        if not others:
            return None
        return json.dumps({"fields": {}, "message": "", "at": self.at or 0, "messages": others})


def _record(text: str | None) -> dict[str, Any] | None:
    """The stored JSON object, or None (no record, not JSON, or not an object)."""
    try:
        record = json.loads(text) if text else None
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _time(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= INT_MAX:
        return None
    return int(value)


def _message(item: Any) -> EarlyMessage | None:
    if not isinstance(item, dict):
        return None
    message_id, text, at = item.get("id"), item.get("text"), _time(item.get("at"))
    if not isinstance(message_id, str) or not _ID.fullmatch(message_id) or not isinstance(text, str) or at is None:
        return None
    text = text.strip()[:MESSAGE_MAX]
    if not text:
        return None
    return EarlyMessage(message_id, text, at, str(item.get("therapist") or ""))


@dataclass(frozen=True)
class EarlyReply:
    id: str
    text: str
    at: int
    session_id: str


@dataclass(frozen=True)
class EarlyReplies:
    replies: tuple[EarlyReply, ...] = ()
    typing: tuple[str, str] | None = None  # (session id, the reply box, maybe "") once it was touched

    @classmethod
    def parse(cls, text: str | None) -> EarlyReplies:
        """The inbox's record; anything malformed is skipped (a reply without a valid conversation too)."""
        record = _record(text)
        if record is None:
            return cls()
        replies = []
        for item in _list(record.get("replies")):
            message = _message(item)
            session_id = _session(item.get("session")) if message is not None else None
            if message is not None and session_id is not None:
                replies.append(EarlyReply(message.id, message.text, message.at, session_id))
        # "reply" is there once the box was touched (even emptied by a Send): it replaces the draft.
        session_id, typed = _session(record.get("session")), record.get("reply")
        typing = (session_id, typed[:MESSAGE_MAX]) if session_id and isinstance(typed, str) else None
        return cls(tuple(replies), typing)


def _session(value: Any) -> str | None:
    try:
        return check_session_id(value)
    except ValueError:
        return None
