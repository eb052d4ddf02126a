"""The therapist's replies on their way: one ``MessageSync(kind="reply")`` on one ``OutboxSender``.

A reply is persisted in the outbox with a fresh id *before* it is sent; that id is the
idempotency key of every attempt (a lost answer, a reload, another tab), so the customer gets
it once. Each reply still here shows exactly one status: ``words.MESSAGE_SENDING`` (under
way), ``MESSAGE_WAITING`` (no connection: it goes by itself later), ``MESSAGE_NOT_SENT`` (the
server refused it: Retry / Delete). Once the server stored it, it is one of the conversation's
messages (``MESSAGE_SENT``).

A refusal removes the entry from the outbox, so its text is remembered (in memory) for the
"Not sent" row; ``retry`` queues it again under the same id.

Example::

    outgoing = ReplyOutbox(sender, on_delivered=lambda session_id, message: conversation.add(message))
    entry = outgoing.queue("session_t-ayu_c1", "See you at 3")    # persisted, with its id
    outgoing.rows("session_t-ayu_c1", known_ids=set())            # [PendingReply(..., status="Sending…")]
    await sender.send(entry)                                       # 201: on_delivered, gone from rows
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from app.domain import words
from app.domain.models import MESSAGE_MAX, ServerMessage
from app.outbox.messages import THERAPIST_KIND, MessageSync, SendState
from app.outbox.sender import OutboxSender
from app.outbox.store import OutboxEntry

STATUS_WORDS = {SendState.SENDING: words.MESSAGE_SENDING, SendState.WAITING: words.MESSAGE_WAITING,
                SendState.UNAVAILABLE: words.MESSAGE_UNAVAILABLE, SendState.NOT_SENT: words.MESSAGE_NOT_SENT}


@dataclass(frozen=True)
class PendingReply:
    """An own reply the server has not stored (yet), as the page shows it."""

    id: str
    text: str
    created_at: int
    status: str  # words.MESSAGE_SENDING / MESSAGE_WAITING / MESSAGE_NOT_SENT
    reason: str = ""  # why it was not sent
    actionable: bool = False  # Retry / Delete apply


@dataclass(frozen=True)
class MessageRow:
    """One line of the open conversation, as the page shows it."""

    id: str
    sender_type: str
    text: str
    timestamp: int
    status: str | None = None  # own replies: exactly one of words.MESSAGE_SENDING / _WAITING / _SENT / _NOT_SENT
    reason: str = ""  # why it was not sent
    actionable: bool = False  # Retry / Delete apply


@dataclass(frozen=True)
class _Known:
    session_id: str
    text: str
    created_at: int


class ReplyOutbox:
    def __init__(self, sender: OutboxSender, *,
                 on_delivered: Callable[[str, ServerMessage], None] | None = None) -> None:
        self.sender = sender
        self.sync = MessageSync(sender, kind=THERAPIST_KIND, on_delivered=on_delivered,
                                on_refused=self._refused_reply)
        self._known: dict[str, _Known] = {}  # every reply seen in the outbox: its text outlives the entry
        self._refused: dict[str, tuple[_Known, str]] = {}
        sender.subscribe(lambda _snapshot: self._remember())
        self._remember()

    def _remember(self) -> None:
        for entry in self.sender.outbox.load():
            if entry.kind == THERAPIST_KIND and entry.key not in self._known:
                self._known[entry.key] = _Known(entry.session_id, str(entry.body.get("message", "")),
                                                entry.created_at)

    def queue(self, session_id: str, text: str) -> OutboxEntry:
        """Persist a new reply under a fresh id (the idempotency key of every attempt)."""
        message_id = uuid.uuid4().hex
        entry = self.sync.queue(session_id, message_id, {"id": message_id, "message": text[:MESSAGE_MAX]})
        self._remember()
        return entry

    def adopt(self, session_id: str, message_id: str, text: str, created_at: int) -> OutboxEntry:
        """A reply sent before Python was ready (``static/js/early-reply.js``), under the id it was
        shown with. Adopting it again (a crash before the record was removed) queues the same id, which
        the server stores once (a second POST is a replay)."""
        entry = self.sync.queue(session_id, message_id, {"id": message_id, "message": text[:MESSAGE_MAX]},
                                created_at=created_at)
        self._remember()
        return entry

    def retry(self, message_id: str) -> OutboxEntry | None:
        """Queue a refused or parked reply again, under the same id."""
        refused = self._refused.pop(message_id, None)
        known = refused[0] if refused else self._known.get(message_id)
        if known is None:
            return None
        return self.sync.queue(known.session_id, message_id, {"id": message_id, "message": known.text})

    def delete(self, message_id: str) -> bool:
        if self._refused.pop(message_id, None) is not None:
            return True
        return self.sync.discard(message_id)

    def _refused_reply(self, session_id: str, message_id: str, reason: str) -> None:
        known = self._known.get(message_id) or _Known(session_id, "", self.sender.clock.now_ms())
        self._refused[message_id] = (known, reason)

    def rows(self, session_id: str, known_ids: set[str]) -> list[PendingReply]:
        """This conversation's replies not among ``known_ids`` (the server's), oldest first."""
        pending = self.sync.pending(session_id)
        rows = []
        for entry in self.sender.outbox.load():
            if entry.key in pending and entry.key not in known_ids:
                state = pending[entry.key].state
                parked = state is SendState.NOT_SENT
                rows.append(PendingReply(entry.key, str(entry.body.get("message", "")), entry.created_at,
                                         STATUS_WORDS[state], words.MESSAGE.conflict if parked else "", parked))
        for message_id, (known, reason) in self._refused.items():
            if known.session_id == session_id and message_id not in known_ids:
                rows.append(PendingReply(message_id, known.text, known.created_at, words.MESSAGE_NOT_SENT,
                                         reason, True))
        return sorted(rows, key=lambda row: row.created_at)
