"""The reply being written, per conversation, kept on the device so a reload loses nothing.

Typing updates memory at once and writes ``chatbooking:v1:<session>:reply`` (the shared
envelope) ~300 ms after typing stops; ``flush()`` (page hidden, ``pagehide``) writes at once.
An empty reply is removed rather than stored; ``discard`` removes it when the reply was
queued in the outbox (from then on the outbox keeps the text). A reply not edited for
``REPLY_DRAFT_MAX_AGE_MS`` (7 days) is personal data nobody came back to: it is removed when
read and by ``remove_expired()``, which the inbox runs at every page load.

Example::

    drafts = ReplyDrafts(SafeStorage(storage), scheduler, clock)
    drafts.update("session_t-ayu_c1", "See you at 3")   # written 0.3 s later
    drafts.flush()                                      # ... or now
    drafts.text("session_t-ayu_c1")                     # "See you at 3", also on a new page
"""

from __future__ import annotations

from app.domain.errors import CorruptRecord
from app.domain.ports import Clock, Scheduler, TimerHandle
from app.domain.retention import REPLY_DRAFT_MAX_AGE_MS, expired
from app.persistence.envelope import Codec
from app.persistence.keys import REPLY, parse_key, reply_key
from app.persistence.safe_storage import SafeStorage

REPLY_CODEC = Codec("reply", schema=1)
DEBOUNCE_S = 0.3


class ReplyDrafts:
    def __init__(self, store: SafeStorage, scheduler: Scheduler, clock: Clock, *,
                 debounce_s: float = DEBOUNCE_S) -> None:
        self.store, self.scheduler, self.clock, self.debounce_s = store, scheduler, clock, debounce_s
        self._texts: dict[str, str] = {}
        self._dirty: set[str] = set()
        self._timer: TimerHandle | None = None

    def text(self, session_id: str) -> str:
        if session_id not in self._texts:
            self._texts[session_id] = self._read(session_id)
        return self._texts[session_id]

    def _read(self, session_id: str) -> str:
        key = reply_key(session_id)
        raw = self.store.get(key)
        if raw is None:
            return ""
        try:
            data = REPLY_CODEC.decode(raw, key=key).data
        except CorruptRecord:
            return ""  # a damaged draft of a reply is not worth a warning; it is one message
        text = data.get("text") if isinstance(data, dict) else None
        stamp = data.get("updated_at") if isinstance(data, dict) else None
        if expired(stamp if type(stamp) is int else None, self.clock.now_ms(), REPLY_DRAFT_MAX_AGE_MS):
            self.store.remove(key)
            return ""
        return text if isinstance(text, str) else ""

    def remove_expired(self) -> None:
        """Drop every stored reply last edited more than 7 days ago (page load)."""
        for key in self.store.keys():
            owner_kind = parse_key(key)
            if owner_kind is not None and owner_kind[1] == REPLY and owner_kind[0] not in self._dirty:
                self._texts.pop(owner_kind[0], None)
                self.text(owner_kind[0])  # reading an expired one removes it

    def update(self, session_id: str, text: str) -> None:
        """Keep ``text`` in memory now, on the device after a pause in typing."""
        if self.text(session_id) == text:
            return
        self._texts[session_id] = text
        self._dirty.add(session_id)
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self.scheduler.call_later(self.debounce_s, self._on_timer)

    @property
    def unsaved(self) -> bool:
        return bool(self._dirty)

    def _on_timer(self) -> None:
        self._timer = None
        self.flush()

    def flush(self) -> None:
        """Write every changed reply now."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for session_id in sorted(self._dirty):
            text = self._texts.get(session_id, "")
            if text.strip():
                self.store.set(reply_key(session_id), REPLY_CODEC.encode(
                    {"text": text, "updated_at": self.clock.now_ms()}))
            else:
                self.store.remove(reply_key(session_id))
        self._dirty.clear()

    def discard(self, session_id: str) -> None:
        """The reply was queued: forget the draft, in memory and on the device."""
        self._texts[session_id] = ""
        self._dirty.discard(session_id)
        self.store.remove(reply_key(session_id))
