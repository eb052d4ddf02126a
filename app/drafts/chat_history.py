"""One session's chat messages and scroll position, kept in memory and in localStorage.

Messages are written at once (a message must not be lost), merged by id with what
other tabs stored, capped at ``max_messages`` (the oldest go). Order is the server's
(``seq``) for every message the server has stored, then this device's own messages still on
their way, by the time they were written: like a messenger, what is not sent yet is at the
bottom. The
scroll position changes on every scroll event, so it is only remembered here and
written by the owner's debounced write (``write_pending``). When storage refuses a
write, the data stays here and ``write_pending`` tries again (merging first).

Example::

    history = ChatHistory(SafeStorage(FakeStorage()), "s-42", max_messages=200)
    history.add({"id": "m1", "sender_id": "c1", "sender_type": "customer",
                 "message": "Hi!", "timestamp": 1})
    assert [m.id for m in history.messages] == ["m1"]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from app.domain.errors import CorruptRecord
from app.domain.models import ChatMessage, HistoryMessage
from app.drafts.records import MESSAGES_CODEC, SCROLL_CODEC
from app.persistence import keys
from app.persistence.safe_storage import SafeStorage


class ChatHistory:
    def __init__(self, store: SafeStorage, session_id: str, *, max_messages: int) -> None:
        self.store, self.max_messages = store, max_messages
        self.key, self.scroll_key = keys.messages_key(session_id), keys.scroll_key(session_id)
        self.problem: str | None = None  # set when stored history could not be read
        self.messages = self._decode(store.get(self.key))
        self.scroll = self._read_scroll()
        self.scroll_dirty = False
        self.unsaved = False  # storage refused the last message write: write again on the next chance

    @property
    def needs_write(self) -> bool:
        return self.scroll_dirty or self.unsaved

    def _decode(self, raw: str | None) -> list[HistoryMessage]:
        if raw is None:
            return []
        try:
            items = MESSAGES_CODEC.decode(raw, key=self.key).data
        except CorruptRecord as exc:
            self.problem = f"The chat history could not be read ({exc.reason})"
            return []
        messages = []
        for item in items if isinstance(items, list) else []:
            try:
                messages.append(HistoryMessage.model_validate(item))
            except ValidationError:
                continue  # one bad message must not hide the rest of the chat
        return messages

    def add(self, message: ChatMessage | Mapping[str, Any]) -> HistoryMessage:
        """Store ``message`` now; a message with a known id replaces the old one (e.g. read receipts)."""
        return self.add_many([message])[0]

    def add_many(self, messages: list[ChatMessage | Mapping[str, Any]]) -> list[HistoryMessage]:
        """Store several messages with one write (a batch from the server)."""
        added = [as_history(m) for m in messages]
        self._write(added)
        return added

    def update(self, message_id: str, **changes: Any) -> HistoryMessage | None:
        """Change one stored message (``seq`` once the server stored it, ``not_sent``); None if unknown."""
        current = next((m for m in self._merged() if m.id == message_id), None)
        if current is None:
            return None
        changed = current.model_copy(update=changes)
        self._write([changed])
        return changed

    def remove(self, message_id: str) -> bool:
        """Forget one message (the customer deleted a message the server refused)."""
        merged = self._merged()
        kept = [m for m in merged if m.id != message_id]
        if len(kept) == len(merged):
            return False
        self.messages = kept
        self._store_messages()
        return True

    def _merged(self) -> list[HistoryMessage]:
        # Re-read first: another tab may have stored messages this one has not seen.
        by_id = {m.id: m for m in self._decode(self.store.get(self.key))}
        by_id.update((m.id, _newer(by_id.get(m.id), m)) for m in self.messages)
        return list(by_id.values())

    def _write(self, new: list[HistoryMessage] | None = None) -> None:
        by_id = {m.id: m for m in self._merged()}
        for message in new or []:
            by_id[message.id] = message
        self.messages = sorted(by_id.values(), key=order)[-self.max_messages:]
        self._store_messages()

    def _store_messages(self) -> None:
        raw = MESSAGES_CODEC.encode([m.model_dump(mode="json", exclude_none=True) for m in self.messages])
        self.unsaved = not self.store.set(self.key, raw)

    def replace_from(self, raw: str | None) -> None:
        """Take what another tab stored (``None``: it cleared the chat)."""
        self.messages = self._decode(raw)

    def _read_scroll(self) -> int:
        raw = self.store.get(self.scroll_key)
        try:
            value = SCROLL_CODEC.decode(raw, key=self.scroll_key).data if raw is not None else 0
        except CorruptRecord:
            return 0  # a lost scroll position is not worth reporting
        return value if type(value) is int and value >= 0 else 0

    def set_scroll(self, px: float) -> bool:
        """Remember a scroll offset in memory; True when it changed (and needs writing)."""
        px = max(0, int(px))
        if px == self.scroll:
            return False
        self.scroll, self.scroll_dirty = px, True
        return True

    def write_pending(self) -> None:
        """Write the scroll position if it changed, and messages storage refused before."""
        if self.scroll_dirty:
            self.scroll_dirty = not self.store.set(self.scroll_key, SCROLL_CODEC.encode(self.scroll))
        if self.unsaved:
            self._write()

    def reset(self) -> None:
        """Forget messages and scroll position, in memory and in storage."""
        self.messages, self.scroll, self.scroll_dirty, self.unsaved = [], 0, False, False
        self.store.remove(self.key)
        self.store.remove(self.scroll_key)


def as_history(message: ChatMessage | Mapping[str, Any]) -> HistoryMessage:
    if isinstance(message, HistoryMessage):
        return message
    if isinstance(message, ChatMessage):
        return HistoryMessage.model_validate(message.model_dump())
    return HistoryMessage.model_validate(message)


def order(message: HistoryMessage) -> tuple[bool, int, int]:
    """The server's order first; this device's unsent messages after them, oldest first."""
    return (message.seq is None, message.seq or 0, message.timestamp)


def _newer(stored: HistoryMessage | None, mine: HistoryMessage) -> HistoryMessage:
    # Another tab may know more about a message than this one (the server's seq, a read mark):
    # what the server said is never forgotten by merging with an older copy.
    if stored is None or mine.seq is not None or stored.seq is None:
        return mine
    return stored
