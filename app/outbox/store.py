"""The outbox: items waiting to reach the server, kept in localStorage so a reload loses none.

Every outgoing kind (``booking``, ``message``, ``reply``) shares the one list, so one sender
and one lease serve them all; ``kind`` says which ``app.outbox.sender.Delivery`` sends it.

Stored at ``chatbooking:v1:outbox`` in the envelope every stored value uses
(``app.persistence.envelope``: schema, checksum, data). Confirmations (the server's answer to a
booking) are stored the same way at ``chatbooking:v1:<session>:confirmation``.

Failures never reach the page, they become status:

- localStorage refuses a read or write (``StorageError``: quota, blocked): the outbox lives
  on in memory, ``persistent`` turns False and ``problem`` says why;
- the stored value is corrupt (bad JSON, checksum, shape): the raw value is kept under
  ``chatbooking:v1:outbox:corrupt`` for support, the outbox starts empty (minus nothing that
  could still be read) and ``problem`` says so.

Every change is a read-modify-write of the stored value (``update``), because other tabs of
the same origin write it too.

Example::

    outbox = Outbox(storage)
    outbox.update(lambda entries: entries.append(entry))
    outbox.find(entry.key).attempts          # 0
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

import pydantic
from pydantic import BaseModel, ConfigDict

from app.domain import words
from app.domain.errors import CorruptRecord, StorageError
from app.domain.models import BookingCreated
from app.domain.ports import Clock, Storage
from app.domain.retention import CONFIRMATION_MAX_AGE_MS, expired
from app.persistence.envelope import Codec
from app.persistence.keys import OUTBOX_CORRUPT_KEY as CORRUPT_KEY
from app.persistence.keys import OUTBOX_KEY, confirmation_key

OUTBOX_CODEC = Codec("outbox", schema=1)
CONFIRMATION_CODEC = Codec("confirmation", schema=1)
T = TypeVar("T")


class EntryState(str, Enum):
    QUEUED = "queued"  # sent automatically when due (backoff timer, online, visible, page load)
    CONFLICT = "conflict"  # the server answered 409; kept, sent again only when the customer asks
    GAVE_UP = "gave_up"  # unexpected answers too many times; kept, sent again only when asked


class OutboxEntry(BaseModel):
    """One item on its way to the server. ``key`` is the Idempotency-Key of every attempt."""

    model_config = ConfigDict(extra="ignore")

    key: str
    kind: str = "booking"  # entries stored before there were other kinds are bookings
    session_id: str
    body: dict[str, Any]
    created_at: int
    # What an action is about, where the path names it (a booking id for "cancel"); "" for the rest.
    target: str = ""
    state: EntryState = EntryState.QUEUED
    attempts: int = 0
    next_attempt_at: int = 0  # epoch ms; the backoff's choice, skipped by an explicit trigger
    not_before: int = 0  # epoch ms; the server's Retry-After, honoured by every trigger
    last_error: str = ""
    # True once a POST with this key may have reached the server; from then on the key must
    # never be swapped for a new one, or a lost response could become two bookings.
    maybe_delivered: bool = False
    # The key was kept while the body changed (see BookingSync.submit): a 4xx may mean the
    # server refused the reuse, not the data.
    body_changed_after_send: bool = False
    lease_owner: str | None = None
    lease_until: int = 0


_ENTRIES = pydantic.TypeAdapter(list[OutboxEntry])


class Outbox:
    """The outbox over a ``Storage`` (or None: memory only)."""

    def __init__(self, storage: Storage | None) -> None:
        self._storage = storage
        self._memory: list[OutboxEntry] = []
        # True after a failed write: memory then holds entries storage lacks, so it stays the
        # source of truth until a write succeeds again.
        self._unsaved = False
        self.persistent = storage is not None
        self.problem: str | None = None if storage is not None else words.OUTBOX_MEMORY_ONLY

    def load(self) -> list[OutboxEntry]:
        """The current entries, fresh from storage when it can be trusted."""
        if self._storage is None or self._unsaved:
            return [entry.model_copy() for entry in self._memory]
        try:
            raw = self._storage.getItem(OUTBOX_KEY)
        except StorageError as error:
            self._degrade(words.outbox_memory_only(str(error)))
            return [entry.model_copy() for entry in self._memory]
        self._memory = self._decode(raw)
        return [entry.model_copy() for entry in self._memory]

    def save(self, entries: list[OutboxEntry]) -> bool:
        self._memory = [entry.model_copy() for entry in entries]
        if self._storage is None:
            return False
        try:
            if entries:
                self._storage.setItem(OUTBOX_KEY, OUTBOX_CODEC.encode(_ENTRIES.dump_python(entries, mode="json")))
            else:
                self._storage.removeItem(OUTBOX_KEY)
        except StorageError as error:
            self._unsaved = True
            self._degrade(words.outbox_not_saved(str(error)))
            return False
        self._unsaved = False
        if not self.persistent:
            self.persistent, self.problem = True, None
        return True

    def update(self, change: Callable[[list[OutboxEntry]], T]) -> T:
        """Read, let ``change`` edit the list in place, write back; returns what ``change`` returns."""
        entries = self.load()
        result = change(entries)
        self.save(entries)
        return result

    def find(self, key: str) -> OutboxEntry | None:
        return next((entry for entry in self.load() if entry.key == key), None)

    def for_session(self, session_id: str, kind: str = "booking") -> OutboxEntry | None:
        return next((entry for entry in self.load() if entry.session_id == session_id and entry.kind == kind),
                    None)

    def _degrade(self, problem: str) -> None:
        self.persistent = False
        self.problem = problem

    def _decode(self, raw: str | None) -> list[OutboxEntry]:
        if raw is None:
            return []
        try:
            data = OUTBOX_CODEC.decode(raw, key=OUTBOX_KEY).data
            if not isinstance(data, list):
                raise CorruptRecord(OUTBOX_KEY, "data is not a list")
        except CorruptRecord as error:
            self._quarantine(raw, error.reason, [])
            return []
        entries = []
        for item in data:
            try:
                entries.append(OutboxEntry.model_validate(item))
            except pydantic.ValidationError:
                # One unreadable entry must not cost the others; the raw value is kept below.
                continue
        if len(entries) != len(data):
            self._quarantine(raw, "unreadable entries", entries)
        return entries

    def _quarantine(self, raw: str, reason: str, readable: list[OutboxEntry]) -> None:
        """Keep the raw value for support, then store only what could be read."""
        self.problem = words.outbox_set_aside(reason)
        try:
            self._storage.setItem(CORRUPT_KEY, raw)
            if readable:
                self._storage.setItem(OUTBOX_KEY, OUTBOX_CODEC.encode(_ENTRIES.dump_python(readable, mode="json")))
            else:
                self._storage.removeItem(OUTBOX_KEY)
        except StorageError:
            # Nowhere to keep it: leave the raw value where it is; the next save replaces it.
            pass


def unsent_items(storage: Storage | None) -> dict[str, int]:
    """How many outbox entries of each kind were never confirmed by the server (for "Forget me")."""
    if storage is None:
        return {}
    try:
        raw = storage.getItem(OUTBOX_KEY)
        entries = OUTBOX_CODEC.decode(raw, key=OUTBOX_KEY).data if raw is not None else []
    except (StorageError, CorruptRecord):
        return {}
    return dict(Counter(e.get("kind", "booking") for e in entries if isinstance(e, dict)))


class ConfirmationStore:
    """The server's confirmation per session, so the page shows it again after a reload.

    It holds the customer's name and number, so it is kept ``CONFIRMATION_MAX_AGE_MS`` (30 days)
    after the server confirmed, then forgotten (given a clock)."""

    def __init__(self, storage: Storage | None, clock: Clock | None = None, *,
                 key: Callable[[str], str] = confirmation_key) -> None:
        self._storage = storage
        self._clock = clock
        self._key = key  # booking_key: the same record for "Your booking" (app.chat.booking)
        self._memory: dict[str, BookingCreated] = {}

    def load(self, session_id: str) -> BookingCreated | None:
        found = self._load(session_id)
        if found is not None and self._clock is not None and expired(
                found.created_at, self._clock.now_ms(), CONFIRMATION_MAX_AGE_MS):
            self.clear(session_id)
            return None
        return found

    def _load(self, session_id: str) -> BookingCreated | None:
        if self._storage is None:
            return self._memory.get(session_id)
        key = self._key(session_id)
        try:
            raw = self._storage.getItem(key)
            if raw is None:
                return self._memory.get(session_id)
            return BookingCreated.model_validate(CONFIRMATION_CODEC.decode(raw, key=key).data)
        except pydantic.ValidationError:
            # A shape this page cannot read (e.g. stored before bookings had an address): it can never
            # be shown, and it holds personal data whose age we cannot tell, so it goes now.
            self._remove(key)
            return self._memory.get(session_id)
        except StorageError:
            # Unreadable: what this tab saw is still right; otherwise there is nothing to show.
            return self._memory.get(session_id)

    def _remove(self, key: str) -> None:
        try:
            self._storage.removeItem(key)
        except StorageError:
            pass  # storage unusable: nothing can be removed, and nothing more stored there either

    def save(self, session_id: str, created: BookingCreated) -> None:
        self._memory[session_id] = created
        if self._storage is None:
            return
        try:
            self._storage.setItem(self._key(session_id), CONFIRMATION_CODEC.encode(created.model_dump(mode="json")))
        except StorageError:
            pass  # kept in memory above; the booking itself is safe on the server

    def clear(self, session_id: str) -> None:
        self._memory.pop(session_id, None)
        if self._storage is None:
            return
        try:
            self._storage.removeItem(self._key(session_id))
        except StorageError:
            pass  # storage unusable: nothing stored there to clear
