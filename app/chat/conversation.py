"""The customer's conversation with the therapist: send through the outbox, receive by long poll.

``Conversation`` is the one place that knows the chat history (``app.drafts``) *and* the
server. It

- sends: a new message goes into the history at once (nothing typed is lost), then into the
  outbox (``app.outbox.messages``) under its own id, and is sent; retries, reloads and other
  tabs never deliver it twice, because the id is the idempotency key;
- receives: each long-poll answer (``app.chat.poller``) is merged by id, in the server's order,
  so a reply missed while offline, hidden or reloading arrives once;
- remembers where it stands in ``chatbooking:v1:<session>:chat``: the poll's cursor, the
  therapist's read mark (``read_through``), and the reset cut-off: after **Reset chat** nothing
  from before the reset comes back (the server keeps it for the therapist), while the
  conversation itself goes on;
- says, for each of the customer's messages, exactly one state: Sending…, Waiting for network
  (offline), Service unavailable, will retry (a server answered 404/501/503…), Sent, Read, or
  Not sent (with the server's reason).

Example::

    conversation = Conversation(drafts, messages, storage, clock, customer_id=cid)
    conversation.send("Is 3 pm free?")
    conversation.merge({"messages": [...], "cursor": "m.7.2", "read_through": 2})
    conversation.state_of(message)        # MessageState.READ
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from enum import Enum
from typing import Any

import pydantic

from app.chat.receipts import ReadReceipts
from app.domain import words
from app.domain.errors import CorruptRecord
from app.domain.models import MESSAGE_MAX, HistoryMessage, MessagePage, ServerMessage
from app.domain.observable import Observable
from app.domain.ports import Clock, Storage
from app.drafts.session import ChatBookingStorageService
from app.outbox.messages import MessageSync, SendState
from app.persistence import keys
from app.persistence.early_input import EarlyMessage
from app.persistence.envelope import Codec
from app.persistence.safe_storage import SafeStorage

CHAT_CODEC = Codec("chat", schema=1)


class MessageState(Enum):
    SENDING = words.MESSAGE_SENDING    # on its way (a request is out, or about to be)
    WAITING = words.MESSAGE_WAITING    # offline: goes out by itself later
    UNAVAILABLE = words.MESSAGE_UNAVAILABLE  # online, but the service answered 404/501/503...: kept, retried
    SENT = words.MESSAGE_SENT          # the server stored it
    READ = words.MESSAGE_READ          # the therapist opened the conversation after it
    NOT_SENT = words.MESSAGE_NOT_SENT  # the server refused it: Retry or Delete


@dataclass(frozen=True)
class ChatPosition:
    """Where this device's copy of the conversation stands (stored at ``...:chat``)."""

    cursor: str | None = None  # the long poll's ``after``
    read_through: int = 0  # the therapist has read every customer message with seq <= this
    cutoff_seq: int = 0  # Reset chat: server messages with seq <= this stay away
    cutoff_ms: int = 0  # Reset chat: our own messages written before this stay away


class Conversation(Observable):
    def __init__(self, drafts: ChatBookingStorageService, messages: MessageSync, storage: Storage | None,
                 clock: Clock, *, customer_id: str) -> None:
        self.drafts, self.messages, self.clock = drafts, messages, clock
        self.session_id, self.customer_id = drafts.session_id, customer_id
        self._store = SafeStorage(storage)
        self._key = keys.chat_key(self.session_id)
        self.position = self._load()
        messages.on_delivered = self._delivered
        messages.on_refused = self._refused
        # Told of every booking event the long poll brings (app.chat.booking.BookingTracker.apply_event).
        self.on_event: Callable[[dict, int], None] | None = None
        self.receipts = ReadReceipts(messages.sender, self.session_id)

    # --- where we stand -------------------------------------------------------------------------

    def _load(self) -> ChatPosition:
        raw = self._store.get(self._key)
        if raw is None:
            return ChatPosition()
        try:
            data = CHAT_CODEC.decode(raw, key=self._key).data
            return ChatPosition(**{k: v for k, v in data.items() if k in ChatPosition.__dataclass_fields__})
        except (CorruptRecord, TypeError, AttributeError):
            # Unreadable: start from the beginning; merging by id keeps that from duplicating anything.
            return ChatPosition()

    def _save(self, position: ChatPosition) -> None:
        self.position = position
        self._store.set(self._key, CHAT_CODEC.encode(asdict(position)))

    @property
    def started(self) -> bool:
        """True once there is something to hear back about: the server knows this conversation (a
        message of ours reached it, we polled it before) or one of our messages is on its way.
        Until then there is nothing to poll for: the therapist answers, never starts, a chat."""
        if self.position.cursor is not None or self.messages.pending(self.session_id):
            return True
        return any(m.seq is not None or m.sender_type == "customer" for m in self.drafts.get_messages())

    def reload_position(self) -> None:
        """Another tab wrote the position (a storage event): take its cut-off and read mark."""
        stored = self._load()
        self.position = replace(stored, cursor=self.position.cursor or stored.cursor)

    # --- sending ----------------------------------------------------------------------------------

    def send(self, text: str) -> HistoryMessage | None:
        """Keep the message, queue it, and let the sender send it; None for an empty text."""
        text = text.strip()[:MESSAGE_MAX]
        if not text:
            return None
        message = self.drafts.add_message(HistoryMessage(
            id=uuid.uuid4().hex, sender_id=self.customer_id, sender_type="customer", message=text,
            timestamp=self.clock.now_ms()))
        self.messages.queue(self.session_id, message.id, message.api_body())
        self.messages.sender.trigger()
        self.notify()
        return message

    def adopt(self, early: list[EarlyMessage]) -> list[HistoryMessage]:
        """Messages sent before Python was ready (``static/js/boot.js``): into the history and the
        outbox under the ids they were shown with, in their order; the sender sends each once.

        Adopting twice (a crash before the record was removed) changes nothing: a known id is skipped."""
        known = {m.id for m in self.drafts.get_messages()}
        adopted = [HistoryMessage(id=m.id, sender_id=self.customer_id, sender_type="customer", message=m.text,
                                  timestamp=m.at) for m in early if m.id not in known]
        if adopted:
            self.drafts.add_messages(adopted)
            for message in adopted:
                self.messages.queue(self.session_id, message.id, message.api_body())
            self.notify()
        return adopted

    def retry(self, message_id: str) -> bool:
        """Send a refused message again (same id: it can still only arrive once)."""
        message = next((m for m in self.drafts.get_messages() if m.id == message_id), None)
        if message is None or message.seq is not None:
            return False
        self.drafts.update_message(message_id, not_sent=None)
        self.messages.queue(self.session_id, message_id, message.api_body())
        self.messages.sender.trigger()
        self.notify()
        return True

    def delete(self, message_id: str) -> bool:
        """Forget a message that was not sent (refused, or still waiting)."""
        message = next((m for m in self.drafts.get_messages() if m.id == message_id), None)
        if message is None or message.seq is not None:
            return False
        if message_id in self.messages.pending(self.session_id) and not self.messages.discard(message_id):
            return False  # being sent right now: it may already have arrived
        self.drafts.remove_message(message_id)
        self.notify()
        return True

    def _delivered(self, session_id: str, stored: ServerMessage) -> None:
        if session_id == self.session_id:
            self._take([stored])

    def _refused(self, session_id: str, message_id: str, reason: str) -> None:
        if session_id == self.session_id:
            self.drafts.update_message(message_id, not_sent=reason or words.MESSAGE.rejected)
            self.notify()

    # --- receiving --------------------------------------------------------------------------------

    def merge(self, data: dict[str, Any]) -> str | None:
        """Take one long-poll answer; returns the next cursor (the poller's ``on_answer``)."""
        try:
            page = MessagePage.model_validate(data)
        except pydantic.ValidationError:
            return None  # unreadable: ask again from the same cursor
        self._take(page.messages)
        position = self.position
        self._save(replace(position, cursor=page.cursor, read_through=max(position.read_through,
                                                                            page.read_through)))
        self.notify()
        return page.cursor

    def _take(self, server_messages: list[ServerMessage]) -> None:
        cut = self.position
        keep = [m.to_history() for m in server_messages
                if m.seq > cut.cutoff_seq and not (m.sender_type == "customer" and m.timestamp <= cut.cutoff_ms)]
        if keep:
            self.drafts.add_messages(keep)
        if self.on_event is not None:
            # Each booking event reaches "Your booking" (a repeat changes nothing there).
            for message in keep:
                if message.sender_type == "system" and message.event:
                    self.on_event(message.event, message.server_time or message.timestamp)

    # --- reset --------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Reset chat: clear this device's copy; nothing from before comes back; the booking stays."""
        known = [m.seq for m in self.drafts.get_messages() if m.seq is not None]
        position = self.position
        self._save(replace(position, cutoff_seq=max([position.cutoff_seq, *known]),
                           cutoff_ms=self.clock.now_ms()))
        self.drafts.reset_chat_window(preserve_booking=True)
        self.notify()

    def replies_shown(self) -> None:
        """The visible page shows every reply it has: the therapist sees them as ``Read``."""
        newest = max((m.seq for m in self.drafts.get_messages() if m.sender_type == "therapist" and m.seq),
                     default=0)
        self.receipts.shown(newest)

    # --- what the page shows ------------------------------------------------------------------------

    def state_of(self, message: HistoryMessage, pending: dict | None = None) -> MessageState | None:
        """The state of one of the customer's own messages; None for the therapist's."""
        if message.sender_type != "customer":
            return None
        if message.seq is not None:
            return MessageState.READ if message.seq <= self.position.read_through else MessageState.SENT
        if message.not_sent:
            return MessageState.NOT_SENT
        pending = self.messages.pending(self.session_id) if pending is None else pending
        entry = pending.get(message.id)
        if entry is None:
            # Not in the outbox and no seq: sent from another tab (the next poll brings its seq),
            # or the outbox was lost, which requeue_orphans() mends at the next start.
            return MessageState.SENDING
        if entry.state is SendState.NOT_SENT:
            return MessageState.NOT_SENT
        return {SendState.SENDING: MessageState.SENDING,
                SendState.UNAVAILABLE: MessageState.UNAVAILABLE}.get(entry.state, MessageState.WAITING)

    def requeue_orphans(self) -> int:
        """Our messages with neither a seq nor an outbox entry (outbox cleared, storage lost): queue them."""
        pending = self.messages.pending(self.session_id)
        orphans = [m for m in self.drafts.get_messages()
                   if m.sender_type == "customer" and m.seq is None and not m.not_sent and m.id not in pending]
        for message in orphans:
            self.messages.queue(self.session_id, message.id, message.api_body())
        return len(orphans)
