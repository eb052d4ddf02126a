"""The therapist's answers to bookings (accept, decline, cancel, complete), each sent exactly once.

One outbox kind, ``booking_action``, on the inbox's one ``OutboxSender``: a click persists an entry
under a fresh key (the Idempotency-Key of every attempt: a lost answer, a reload, another tab never
make it two transitions), with the booking id and the action kept in the entry and only
``{"reason": ...}`` POSTed to ``therapist/bookings/{id}/{action}``.

While an action is in the outbox its booking shows one status (``status_for``): ``Sending…``,
``Waiting for network`` (offline: it goes by itself later), ``Service unavailable, will retry``.
When the server refuses it the booking shows ``Not sent`` with the reason until the therapist
dismisses it or acts again:

- 409: the booking changed first (the customer cancelled, the request expired); the reason names
  the current status from the 409's body, and ``on_changed`` asks the page to read the booking again;
- 400/422: the server's sentences (a missing reason, say).

Example::

    actions = BookingActions(sender, on_changed=inbox.refresh_bookings)
    entry = actions.queue("session_t-ayu_c1", "bk_1", "decline", "Fully booked")
    await sender.send(entry)            # 200: on_changed(session_id, booking), gone from the outbox
    actions.status_for("bk_1")          # None once done; ActionStatus("Not sent", reason) when refused
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pydantic

from app.domain import words
from app.domain.i18n import join
from app.domain.models import BookingCreated
from app.domain.ports import HttpResponse
from app.outbox.messages import SendState
from app.outbox.responses import answered_status
from app.outbox.results import Request, SyncResult, SyncStatus
from app.outbox.sender import OutboxSender
from app.outbox.store import EntryState, OutboxEntry

ACTION_KIND = "booking_action"
ACTIONS = ("accept", "decline", "cancel", "complete")
STATUS_WORDS = {SendState.SENDING: words.MESSAGE_SENDING, SendState.WAITING: words.MESSAGE_WAITING,
                SendState.UNAVAILABLE: words.MESSAGE_UNAVAILABLE, SendState.NOT_SENT: words.MESSAGE_NOT_SENT}


@dataclass(frozen=True)
class ActionStatus:
    """What the booking shows about the therapist's latest answer that has not reached the server."""

    action: str
    status: str  # words.MESSAGE_SENDING / _WAITING / _UNAVAILABLE / _NOT_SENT
    reason: str = ""  # why it was not sent
    pending: bool = True  # still in the outbox (its buttons stay hidden: one answer at a time)


class BookingActions:
    texts = words.BOOKING_ACTION

    def __init__(self, sender: OutboxSender, *,
                 on_changed: Callable[[str, BookingCreated | None], None] | None = None) -> None:
        self.sender, self.on_changed = sender, on_changed
        self._refused: dict[str, ActionStatus] = {}  # by booking id: the last answer the server refused
        sender.register(ACTION_KIND, self)

    # --- queueing -----------------------------------------------------------------------------

    def queue(self, session_id: str, booking_id: str, action: str, reason: str = "") -> OutboxEntry | None:
        """Persist one answer under a fresh key; None when one for this booking is still on its way."""
        if action not in ACTIONS:
            raise ValueError(f"unknown booking action {action!r}")
        self._refused.pop(booking_id, None)

        def add(entries: list[OutboxEntry]) -> OutboxEntry | None:
            if any(e.kind == ACTION_KIND and e.body.get("booking_id") == booking_id for e in entries):
                return None  # a second click while the first is on its way sends nothing
            entry = OutboxEntry(key=uuid.uuid4().hex, kind=ACTION_KIND, session_id=session_id,
                                body={"booking_id": booking_id, "action": action, "reason": reason.strip()},
                                created_at=self.sender.clock.now_ms())
            entries.append(entry)
            return entry

        entry = self.sender.outbox.update(add)
        self.sender.notify()
        return entry

    def dismiss(self, booking_id: str) -> None:
        """The therapist read why it was not sent: stop showing it."""
        if self._refused.pop(booking_id, None) is not None:
            self.sender.notify()

    # --- what the page shows ------------------------------------------------------------------

    def status_for(self, booking_id: str) -> ActionStatus | None:
        for entry in self.sender.outbox.load():
            if entry.kind == ACTION_KIND and entry.body.get("booking_id") == booking_id:
                state = self._state(entry)
                return ActionStatus(str(entry.body.get("action")), STATUS_WORDS[state],
                                    self.texts.conflict if state is SendState.NOT_SENT else "")
        return self._refused.get(booking_id)

    def pending_count(self) -> int:
        return sum(1 for e in self.sender.outbox.load() if e.kind == ACTION_KIND)

    def _state(self, entry: OutboxEntry) -> SendState:
        if entry.state is EntryState.CONFLICT:
            return SendState.NOT_SENT
        if self.sender.busy(entry) or (entry.attempts == 0 and not entry.last_error):
            return SendState.SENDING
        if answered_status(entry.last_error) is not None:
            return SendState.UNAVAILABLE
        return SendState.WAITING

    # --- the Delivery protocol (called by the sender) -------------------------------------------

    def request(self, entry: OutboxEntry) -> Request:
        booking_id = quote(str(entry.body.get("booking_id", "")), safe="")
        action = str(entry.body.get("action", ""))
        return Request(f"therapist/bookings/{booking_id}/{action}", body={"reason": entry.body.get("reason", "")})

    def delivered(self, entry: OutboxEntry, response: HttpResponse) -> SyncResult:
        try:
            booking = BookingCreated.model_validate_json(response.text)
        except pydantic.ValidationError:
            booking = None  # done all the same: reading the bookings again shows it
        self._changed(entry, booking)
        return SyncResult(SyncStatus.CONFIRMED, booking_id=str(entry.body.get("booking_id")), created=booking,
                          message=self.texts.sent, idempotency_key=entry.key)

    def refused(self, entry: OutboxEntry, result: SyncResult) -> None:
        reason = join("; ", result.errors) if result.errors else result.message  # stays translatable
        self._refuse(entry, reason)

    def conflicted(self, entry: OutboxEntry, response: HttpResponse) -> SyncResult:
        """409: the booking is no longer in a status that allows this; the body names the one it is in."""
        status = _current_status(response.text)
        reason = words.booking_now(status) if status else self.texts.conflict
        self._refuse(entry, reason)
        self._changed(entry, None)
        return SyncResult(SyncStatus.CONFLICT, booking_id=str(entry.body.get("booking_id")), errors=[reason],
                          message=reason, idempotency_key=entry.key)

    def finished_elsewhere(self, entry: OutboxEntry) -> SyncResult:
        self._changed(entry, None)  # another tab sent it: read the booking again
        return SyncResult(SyncStatus.CONFIRMED, message=self.texts.handled_elsewhere, idempotency_key=entry.key)

    def _refuse(self, entry: OutboxEntry, reason: str) -> None:
        booking_id = str(entry.body.get("booking_id"))
        self._refused[booking_id] = ActionStatus(str(entry.body.get("action")), words.MESSAGE_NOT_SENT, reason,
                                                 pending=False)

    def _changed(self, entry: OutboxEntry, booking: BookingCreated | None) -> None:
        if self.on_changed is not None:
            self.on_changed(entry.session_id, booking)


def _current_status(text: str) -> str:
    try:
        data: Any = json.loads(text)
    except ValueError:
        return ""
    status = data.get("status") if isinstance(data, dict) else None
    return status if isinstance(status, str) and status in words.BOOKING_STATUS else ""
