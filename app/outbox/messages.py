"""Chat messages through the outbox: ``MessageSync`` sends each one exactly once, by its own id.

The customer's messages (kind ``message``) go to ``conversations/{session}/messages``; the
therapist's replies (kind ``reply``) to ``therapist/conversations/{session}/messages``. The
message id is the outbox key *and* the idempotency key: a lost response, a reload or a second
tab resending it makes the server answer with the stored copy, never a second one.

What happens is reported, not returned: ``on_delivered(session_id, ServerMessage)`` when the
server stored it (with its ``seq``), ``on_refused(session_id, message_id, reason)`` when it
refused it for good (the page shows "Not sent" with Retry / Delete). Every other answer keeps
the message queued (the sender retries), and ``status`` says what the person should read.

Example::

    messages = MessageSync(sender, on_delivered=history.delivered, on_refused=history.refused)
    await messages.send(session_id, message.id, message.api_body())
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import quote

import pydantic

from app.domain import words
from app.domain.i18n import join
from app.domain.models import ServerMessage
from app.domain.ports import HttpResponse
from app.outbox.responses import answered_status
from app.outbox.results import Request, SyncResult, SyncStatus
from app.outbox.sender import OutboxSender
from app.outbox.store import EntryState, OutboxEntry

CUSTOMER_KIND = "message"
THERAPIST_KIND = "reply"
_PATHS = {CUSTOMER_KIND: "conversations/{session}/messages",
          THERAPIST_KIND: "therapist/conversations/{session}/messages"}


class SendState(Enum):
    SENDING = "sending"  # a request is under way, or about to be (first attempt, online)
    WAITING = "waiting"  # offline (no server answered): it goes out by itself later
    UNAVAILABLE = "unavailable"  # a server answered but not with a result (404, 501, 503...): kept, retried
    NOT_SENT = "not_sent"  # parked: the server refused or conflicted; the person decides


@dataclass(frozen=True)
class Pending:
    """A message still in the outbox, as the page shows it."""

    message_id: str
    state: SendState
    last_error: str


class MessageSync:
    texts = words.MESSAGE

    def __init__(self, sender: OutboxSender, *, kind: str = CUSTOMER_KIND,
                 on_delivered: Callable[[str, ServerMessage], None] | None = None,
                 on_refused: Callable[[str, str, str], None] | None = None) -> None:
        if kind not in _PATHS:
            raise ValueError(f"unknown message kind {kind!r}")
        self.sender, self.kind = sender, kind
        self.on_delivered, self.on_refused = on_delivered, on_refused
        sender.register(kind, self)

    # --- queueing -----------------------------------------------------------------------------

    def queue(self, session_id: str, message_id: str, body: dict[str, Any], *,
              created_at: int | None = None) -> OutboxEntry:
        """Persist the message in the outbox (once: queueing a known id again changes nothing).
        ``created_at``: when it was written, if before now (a reply sent before Python was ready)."""
        def add(entries: list[OutboxEntry]) -> OutboxEntry:
            current = next((e for e in entries if e.key == message_id), None)
            if current is not None:
                current.state = EntryState.QUEUED  # asked again (Retry): wake a parked entry
                return current
            entry = OutboxEntry(key=message_id, kind=self.kind, session_id=session_id, body=body,
                                created_at=self.sender.clock.now_ms() if created_at is None else created_at)
            entries.append(entry)
            return entry

        return self.sender.outbox.update(add)

    async def send(self, session_id: str, message_id: str, body: dict[str, Any]) -> SyncResult:
        """Queue, then send now; the sender retries later if this attempt does not get through."""
        entry = self.queue(session_id, message_id, body)
        return await self.sender.send(entry)

    def discard(self, message_id: str) -> bool:
        """Drop a queued message (the person deleted it); False while it is being sent."""
        return self.sender.remove(message_id)

    # --- what the page shows ------------------------------------------------------------------

    def pending(self, session_id: str | None = None) -> dict[str, Pending]:
        """This kind's messages still in the outbox, by message id."""
        found = {}
        for entry in self.sender.outbox.load():
            if entry.kind != self.kind or (session_id is not None and entry.session_id != session_id):
                continue
            found[entry.key] = Pending(entry.key, self._state(entry), entry.last_error)
        return found

    def _state(self, entry: OutboxEntry) -> SendState:
        if entry.state is EntryState.CONFLICT:
            return SendState.NOT_SENT
        if self.sender.busy(entry) or (entry.attempts == 0 and not entry.last_error):
            return SendState.SENDING
        if answered_status(entry.last_error) is not None:
            return SendState.UNAVAILABLE  # not "Waiting for network": the network is up, the service is not
        return SendState.WAITING

    # --- the Delivery protocol (called by the sender) -------------------------------------------

    def request(self, entry: OutboxEntry) -> Request:
        return Request(_PATHS[self.kind].format(session=quote(entry.session_id, safe="")))

    def delivered(self, entry: OutboxEntry, response: HttpResponse) -> SyncResult:
        try:
            stored = ServerMessage.model_validate_json(response.text)
        except pydantic.ValidationError:
            stored = None  # stored all the same: the next poll brings its seq
        if stored is not None and self.on_delivered is not None:
            self.on_delivered(entry.session_id, stored)
        return SyncResult(SyncStatus.CONFIRMED, created=stored, message=self.texts.sent,
                          idempotency_key=entry.key)

    def refused(self, entry: OutboxEntry, result: SyncResult) -> None:
        if self.on_refused is not None:
            reason = join("; ", result.errors) if result.errors else result.message  # stays translatable
            self.on_refused(entry.session_id, entry.key, reason)

    def finished_elsewhere(self, entry: OutboxEntry) -> SyncResult:
        # Another tab sent it (or it was deleted there); its poll or storage event updates the list.
        return SyncResult(SyncStatus.CONFIRMED, message=self.texts.sent, idempotency_key=entry.key)
