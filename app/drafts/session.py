"""The draft manager: keeps one chat session's booking draft, messages and scroll position in localStorage.

Typing only changes memory; a write happens ``debounce_s`` after the last change,
every ``autosave_interval_s`` while changes keep coming, and at once on ``flush()``
(the page calls it on ``visibilitychange``/``pagehide``). Storage failures never
reach the caller: they show up as ``save_state``, ``persistent`` and ``last_error``.

The stored records live in ``app.drafts.store`` (primary + backup + corrupt copy,
repaired on load) and ``app.drafts.chat_history`` (messages, scroll position), both on
``app.persistence.safe_storage`` (quota and unavailable storage become status, not exceptions).
Sending is not this class's business: ``app.checkout.Checkout`` validates the draft, hands it
to the outbox and clears the draft once the server confirmed.

Every draft write increments ``version`` and sets ``last_modified``. Before writing,
the stored draft is re-read; if another tab wrote a newer version, the fields this
tab changed since its base version are applied on top of it and the version moves
past both, so neither tab's edits are blindly overwritten. A write storage refuses
(full, unavailable) leaves the edits unsaved in memory (``MEMORY_ONLY``); the next
autosave, debounce or flush tries again, merging afresh.

Why this module is longer than our ~300 lines: it is one object whose public methods are the
seed's contract (save/load/update/clear, messages, scroll, validation, health), and its state
(base version, dirty fields, one debounce timer) is shared by all of them. The stored records,
housekeeping and validation already live in their own modules; what stays is that state.

Example::

    service = ChatBookingStorageService("t1", "s-42", storage=local_storage,
                                        scheduler=scheduler, clock=clock)
    unsubscribe = service.subscribe(lambda s: render(s.save_state))
    service.update_field("customer_name", "Ana")     # memory only; write in 1 s
    service.flush()                                  # or write now
    request = service.build_booking_request("c-7")   # BookingRequest, or raises DraftIncomplete
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from app.domain import words
from app.domain.errors import CorruptRecord, QuotaExceeded, StorageError, StorageUnavailable
from app.domain.models import (
    NAME_MAX,
    WHATSAPP_MAX,
    BookingDraft,
    BookingRequest,
    ChatMessage,
    HistoryMessage,
)
from app.domain.observable import Observable
from app.domain.ports import Clock, Scheduler, Storage, TimerHandle
from app.domain.validation import booking_errors, booking_field_errors, to_booking_request
from app.drafts.chat_history import ChatHistory
from app.drafts.housekeeping import reclaim_space, remove_expired_chats, remove_expired_drafts
from app.drafts.store import DraftStore
from app.persistence import keys
from app.persistence.safe_storage import SafeStorage


class SaveState(Enum):
    IDLE = "idle"                # nothing changed since the draft was loaded, or there is no draft
    PENDING = "pending"          # edits are in memory; the debounce timer (or flush) will write them
    SAVING = "saving"            # a write is under way (writes are synchronous, so this is brief)
    SAVED = "saved"              # the latest edits are in localStorage and survive a reload
    MEMORY_ONLY = "memory_only"  # storage is full or unavailable: edits live only while this tab is open


@dataclass(frozen=True)
class HealthStatus:
    """What the page's health line (and support) needs to know about the draft manager."""

    operational: bool  # False once disposed
    auto_save_enabled: bool  # the 30 s autosave timer is armed
    draft_exists: bool
    draft_version: int | None
    persistent: bool  # everything is in localStorage (False: some of it only in this tab's memory)
    last_saved: int | None  # epoch ms of the last successful draft write
    last_error: str | None  # the last storage problem, as a sentence for the customer
    bytes_used: int | None  # our keys' size as the quota counts it; None when not measured


# Fields the service owns: callers cannot set them (a draft belongs to this chat's therapist).
_SERVICE_OWNED = frozenset({"therapist_id", "version", "created_at", "last_modified"})
_EDITABLE = frozenset(BookingDraft.model_fields) - _SERVICE_OWNED
# Text is cut to the form's maxlength rather than refused: nothing typed is ever rejected.
_TEXT_LIMITS = {"customer_name": NAME_MAX, "therapist_name": NAME_MAX, "customer_whatsapp": WHATSAPP_MAX}
_VALIDATOR = BookingDraft.__pydantic_validator__


class _SystemClock:
    def now_ms(self) -> int:
        return int(time.time() * 1000)


def _describe(error: StorageError) -> str:
    if isinstance(error, QuotaExceeded):
        return words.storage_full(str(error))
    if isinstance(error, StorageUnavailable):
        return words.storage_blocked(str(error))
    return words.saving_failed(str(error))


class ChatBookingStorageService(Observable):
    """One chat window's draft, messages and scroll position; see the module docstring."""

    def __init__(self, therapist_id: str, session_id: str, *, storage: Storage | None = None,
                 scheduler: Scheduler | None = None, clock: Clock | None = None, debounce_s: float = 1.0,
                 autosave_interval_s: float = 30.0, draft_max_age_s: float = 7 * 24 * 3600,
                 max_messages: int = 200, therapist_name: str = "") -> None:
        if scheduler is None:
            raise TypeError("ChatBookingStorageService needs a scheduler (app.domain.ports.Scheduler) "
                            "for its timers")
        BookingDraft(therapist_id=therapist_id)  # fail fast (ValidationError) on an id no draft could hold
        self.therapist_id = therapist_id
        self.therapist_name = therapist_name[:NAME_MAX]
        self.session_id = keys.check_session_id(session_id)
        self.debounce_s, self.autosave_interval_s = debounce_s, autosave_interval_s
        self.max_age_ms, self.max_messages = int(draft_max_age_s * 1000), max_messages
        self._scheduler, self._clock = scheduler, clock or _SystemClock()

        self.draft: BookingDraft | None = None
        self.last_saved: int | None = None
        self._base_version = 0          # version of the stored draft our in-memory draft started from
        self._dirty: set[str] = set()   # fields changed since then: they win a merge with another tab
        self._draft_dirty = False
        self._last_change_ms = 0
        self._debounce: TimerHandle | None = None
        self._autosave: TimerHandle | None = None
        self._state = SaveState.IDLE
        self._disposed = False
        self._last_error: str | None = None

        self._store = SafeStorage(storage, free_space=self._free_space)
        self._store.on_error = self._storage_failed
        if storage is None:
            self._storage_failed(self._store.last_error or StorageUnavailable("no storage"))
        self._drafts = DraftStore(self._store, session_id, therapist_id=therapist_id, clock=self._clock,
                                  max_age_ms=self.max_age_ms)
        self._history = ChatHistory(self._store, session_id, max_messages=max_messages)
        self._last_error = self._history.problem or self._last_error
        self.load_draft()  # first, so a damaged draft of ours is quarantined rather than expired unseen
        remove_expired_drafts(storage, now_ms=self._clock.now_ms(), max_age_ms=self.max_age_ms)
        if remove_expired_chats(storage, now_ms=self._clock.now_ms()):
            self._history.replace_from(self._store.get(self._history.key))  # ours may have expired too
        if autosave_interval_s > 0:
            self.start_autosave()

    # --- observable state ---------------------------------------------------------------------

    @property
    def save_state(self) -> SaveState:
        return self._state

    @property
    def is_saving(self) -> bool:
        return self._state is SaveState.SAVING

    @property
    def has_unsaved_changes(self) -> bool:
        return self._draft_dirty

    @property
    def persistent(self) -> bool:
        return self._store.persistent

    def get_health_status(self, *, include_bytes: bool = True) -> HealthStatus:
        """Health for the page; ``include_bytes=False`` skips scanning localStorage for ``bytes_used``
        (the page's health line refreshes on every change and does not show it)."""
        return HealthStatus(
            operational=not self._disposed,
            auto_save_enabled=self._autosave is not None,
            draft_exists=self.draft is not None,
            draft_version=self.draft.version if self.draft is not None else None,
            persistent=self._store.persistent,
            last_saved=self.last_saved,
            last_error=self._last_error,
            bytes_used=self._store.bytes_used() if include_bytes else None,
        )

    # --- editing (the keystroke path: memory + one timer, no JSON, no storage) ------------------

    def update_field(self, field: str, value: Any) -> None:
        """Change one field; written ``debounce_s`` after the last change."""
        self.save_draft({field: value})

    def save_draft(self, data: Mapping[str, Any]) -> None:
        """Merge a partial draft; written ``debounce_s`` after the last change.

        Raises ``ValueError`` for an unknown field or a value the field can never hold
        (e.g. ``duration=45``): those are programming errors, not customer input.
        """
        # A change, or any input while an earlier write was refused (storage full, then freed):
        # the person is here, so try again a moment after they stop rather than at the next autosave.
        if self._apply(data) or self._draft_dirty:
            self._last_change_ms = self._clock.now_ms()
            self._arm_debounce()
            if self._set_state(SaveState.PENDING):
                self.notify()

    def save_draft_immediately(self, data: Mapping[str, Any]) -> None:
        self._apply(data)
        self.flush()

    def prepare_booking(self, data: Mapping[str, Any]) -> BookingDraft | None:
        """Collect the booking details into the draft and save now; step defaults to "confirming"."""
        self._apply({"booking_step": "confirming", **data})
        self.flush()
        return self.draft

    def clear_draft(self) -> None:
        """Forget the draft: memory, primary, backup and any corrupt copy (it holds personal data)."""
        self.draft, self._base_version, self._draft_dirty = None, 0, False
        self._dirty.clear()
        self._drafts.remove()
        if not self._history.needs_write:
            self._cancel_debounce()
        self._set_state(SaveState.IDLE)
        self.notify()

    def cancel_booking(self) -> None:
        """Drop the booking (draft + backup); the chat stays."""
        self.clear_draft()

    def _apply(self, data: Mapping[str, Any]) -> bool:
        """Put ``data`` into the in-memory draft; True when that changed anything."""
        changed = self.draft is None
        if self.draft is None:
            self.draft = self._new_draft()
            self._draft_dirty = True  # a draft nobody has written yet is unsaved by definition
        for name, value in data.items():
            if name in _SERVICE_OWNED:
                continue
            if name not in _EDITABLE:
                raise ValueError(f"unknown draft field {name!r}")
            if name in _TEXT_LIMITS:
                value = ("" if value is None else str(value))[:_TEXT_LIMITS[name]]
            if getattr(self.draft, name) != value:
                _VALIDATOR.validate_assignment(self.draft, name, value)  # one field: microseconds
                self._dirty.add(name)
                changed = True
        self._draft_dirty = self._draft_dirty or changed
        return changed

    def _new_draft(self) -> BookingDraft:
        return BookingDraft(therapist_id=self.therapist_id, therapist_name=self.therapist_name,
                            created_at=self._clock.now_ms())

    # --- validation ---------------------------------------------------------------------------

    def get_validation_errors(self) -> list[str]:
        return booking_errors(self.draft or self._new_draft(), now_ms=self._clock.now_ms())

    def get_validation_field_errors(self) -> list[tuple[str | None, str]]:
        """Like ``get_validation_errors``, each message paired with its field (for aria-invalid)."""
        return booking_field_errors(self.draft or self._new_draft(), now_ms=self._clock.now_ms())

    def validate_draft(self) -> bool:
        return not self.get_validation_errors()

    def build_booking_request(self, customer_id: str) -> BookingRequest:
        """The draft as a ``BookingRequest``; raises ``app.domain.validation.DraftIncomplete`` (a ValueError)."""
        return to_booking_request(self.draft or self._new_draft(), customer_id, now_ms=self._clock.now_ms())

    # --- timers -------------------------------------------------------------------------------

    def _arm_debounce(self) -> None:
        # One timer per pause, not per keystroke: when it fires early it re-arms for the rest.
        if self._debounce is None and not self._disposed:
            self._debounce = self._scheduler.call_later(self.debounce_s, self._on_debounce)

    def _on_debounce(self) -> None:
        self._debounce = None
        remaining_ms = self._last_change_ms + round(self.debounce_s * 1000) - self._clock.now_ms()
        if remaining_ms > 0:
            self._debounce = self._scheduler.call_later(remaining_ms / 1000, self._on_debounce)
        else:
            self._write_pending()

    def _cancel_debounce(self) -> None:
        if self._debounce is not None:
            self._debounce.cancel()
            self._debounce = None

    def flush(self) -> None:
        """Write any pending change now (the page calls this when it is hidden or unloaded)."""
        self._cancel_debounce()
        self._write_pending()

    def start_autosave(self) -> None:
        if self._autosave is None and self.autosave_interval_s > 0 and not self._disposed:
            self._autosave = self._scheduler.call_every(self.autosave_interval_s, self._on_autosave)

    def stop_autosave(self) -> None:
        if self._autosave is not None:
            self._autosave.cancel()
            self._autosave = None

    def _on_autosave(self) -> None:
        # Typing without a pause for a whole interval, or storage refused an earlier write: try now.
        if self._draft_dirty or self._history.needs_write:
            self.flush()

    def dispose(self, *, flush: bool = True) -> None:
        """Cancel every timer (after writing pending changes unless ``flush=False``)."""
        if flush:
            self.flush()
        self._cancel_debounce()
        self.stop_autosave()
        self._disposed = True

    # --- writing ------------------------------------------------------------------------------

    def _write_pending(self) -> None:
        self._history.write_pending()
        if self._draft_dirty:
            self._write_draft()

    def _write_draft(self) -> None:
        if self.draft is None:
            return
        self._set_state(SaveState.SAVING)
        stored = self._drafts.newest()
        draft = self.draft
        if stored is not None and stored.version > self._base_version:
            draft = self._merged(stored)  # another tab wrote since our base: our changed fields win
        now = self._clock.now_ms()
        version = max(draft.version, self._base_version, stored.version if stored else 0) + 1
        draft = draft.model_copy(update={"version": version, "last_modified": now,
                                         "created_at": draft.created_at or now})
        self.draft = draft
        if self._drafts.write(draft):
            self._base_version, self._draft_dirty, self.last_saved = version, False, now
            self._dirty.clear()
            self._set_state(SaveState.SAVED)
        else:
            # Still unsaved, base unchanged: the next attempt (autosave, flush, debounce) merges
            # again with whatever storage holds by then, instead of replaying this value blindly.
            self._set_state(SaveState.MEMORY_ONLY)
        self.notify()

    def _merged(self, stored: BookingDraft) -> BookingDraft:
        assert self.draft is not None
        return stored.model_copy(update={name: getattr(self.draft, name) for name in self._dirty})

    def _set_state(self, state: SaveState) -> bool:
        changed, self._state = state is not self._state, state
        return changed

    def _storage_failed(self, error: StorageError) -> None:
        self._last_error = _describe(error)

    def _free_space(self, storage: Storage) -> None:
        reclaim_space(storage, session_id=self.session_id, now_ms=self._clock.now_ms(),
                      max_age_ms=self.max_age_ms, max_messages=self.max_messages)

    # --- loading ------------------------------------------------------------------------------

    def load_draft(self) -> BookingDraft | None:
        """Read the stored draft (repairing it if needed); unsaved edits in memory stay on top."""
        result = self._drafts.load()
        if result.problem is not None:
            self._last_error = result.problem
        self._adopt(result.draft)
        self.notify()
        return self.draft

    def _adopt(self, stored: BookingDraft | None) -> None:
        if stored is None:
            # Removed (or never written): keep only what this tab changed and has not saved.
            edits = {name: getattr(self.draft, name) for name in self._dirty} if self.draft else {}
            self.draft, self._base_version = None, 0
            self._dirty.clear()
            self._draft_dirty = False
            if edits:
                self._apply(edits)
            return
        if self.draft is not None and stored.version <= self._base_version:
            return  # what we already have, or older
        self.draft = self._merged(stored) if self._draft_dirty and self.draft else stored
        self._base_version = stored.version

    # --- other tabs ---------------------------------------------------------------------------

    def handle_storage_event(self, key: str | None, new_value: str | None) -> None:
        """React to the browser's ``storage`` event (fired in *other* tabs; ``key=None`` on clear())."""
        if key is None:
            self._adopt(None)
            self._history.replace_from(None)
        elif key == self._drafts.key:
            try:
                stored = self._drafts.usable(self._drafts.decode(new_value, key))
            except CorruptRecord:
                return  # the writer's torn value: our next load or write repairs it
            if new_value is not None and stored is None:
                return  # another therapist's or an expired draft: never shown here
            self._adopt(stored)
        elif key == self._history.key:
            self._history.replace_from(new_value)
        else:
            return
        self.notify()

    # --- messages and scroll position ---------------------------------------------------------

    def add_message(self, message: ChatMessage | Mapping[str, Any]) -> HistoryMessage:
        """Store a message now (merged by id with other tabs'); keeps the newest ``max_messages``."""
        message = self._history.add(message)
        self.notify()
        return message

    def add_messages(self, messages: list[ChatMessage | Mapping[str, Any]]) -> list[HistoryMessage]:
        """Store a batch (e.g. what the server sent) with one write."""
        added = self._history.add_many(messages)
        self.notify()
        return added

    def update_message(self, message_id: str, **changes: Any) -> HistoryMessage | None:
        """Record what the server said about one of our messages (``seq``, ``not_sent``)."""
        changed = self._history.update(message_id, **changes)
        if changed is not None:
            self.notify()
        return changed

    def remove_message(self, message_id: str) -> bool:
        removed = self._history.remove(message_id)
        if removed:
            self.notify()
        return removed

    def get_messages(self) -> list[HistoryMessage]:
        return list(self._history.messages)

    def save_scroll_position(self, px: float) -> None:
        """Remember the chat's scroll offset; written with the next debounced write."""
        if self._history.set_scroll(px):
            self._last_change_ms = self._clock.now_ms()
            self._arm_debounce()

    def get_scroll_position(self) -> int:
        return self._history.scroll

    def reset_chat_window(self, preserve_booking: bool = True) -> None:
        """Clear messages and scroll position; the draft stays unless ``preserve_booking=False``."""
        self._history.reset()
        if preserve_booking:
            self.notify()
        else:
            self.clear_draft()
