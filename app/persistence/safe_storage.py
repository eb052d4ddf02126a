"""localStorage that never throws at the caller: failures become status, data stays in memory.

``SafeStorage`` wraps the ``Storage`` port (``app.domain.ports``):

- ``StorageUnavailable`` (Safari private mode / blocked cookies: SecurityError;
  Firefox ``dom.storage.enabled = false``; a sandboxed iframe) or no storage at all:
  values are kept in an in-memory dict instead, ``persistent`` turns False and
  ``last_error`` says why.
- ``QuotaExceeded``: the ``free_space`` callback (normally ``reclaim_space``) frees
  space we own, the write is retried once, and if it still fails the value is
  kept in memory the same way.
- Reads come from localStorage whenever it answers (another tab may have written
  since); memory answers only while storage cannot be read at all.
- Nothing held in memory is ever written back blindly: its owner writes the key
  again (re-reading and merging first), and a successful write drops the memory
  copy, so the page becomes ``persistent`` again once storage works.

What to free when storage is full is the draft manager's call (``app.drafts.housekeeping``),
handed in as ``free_space``.

Example::

    store = SafeStorage(FakeStorage(quota_bytes=10))
    assert store.set("chatbooking:v1:s:scroll", "x" * 100) is False   # refused: held in memory
    assert store.held("chatbooking:v1:s:scroll")
    assert store.persistent is False and isinstance(store.last_error, QuotaExceeded)
"""

from __future__ import annotations

from collections.abc import Callable

from app.domain.errors import QuotaExceeded, StorageError, StorageUnavailable
from app.domain.ports import Storage
from app.persistence import keys

FreeSpace = Callable[[Storage], object]
OnError = Callable[[StorageError], object]


class SafeStorage:
    """The ``Storage`` port with failures mapped to ``persistent`` / ``last_error``."""

    def __init__(self, storage: Storage | None, *, free_space: FreeSpace | None = None) -> None:
        self.raw = storage
        self.free_space = free_space
        self.on_error: OnError | None = None  # told about every failure, e.g. to show it on the page
        # Values storage refused; a key leaves as soon as storage accepts a write of it.
        self._memory: dict[str, str] = {}
        self._available = storage is not None
        self.last_error: StorageError | None = (
            None if storage is not None else StorageUnavailable("localStorage is not available here"))

    @property
    def persistent(self) -> bool:
        """True when everything we were asked to store is in localStorage."""
        return self._available and not self._memory

    def get(self, key: str) -> str | None:
        if self.raw is not None:
            try:
                value = self.raw.getItem(key)
            except StorageError as exc:
                self._failed(exc)
            else:
                self._available = True
                return value
        return self._memory.get(key)

    def held(self, key: str) -> bool:
        """True while ``key``'s latest value is only in memory (its owner should write it again)."""
        return key in self._memory

    def set(self, key: str, value: str, *, best_effort: bool = False) -> bool:
        """Store ``value``; True when it reached localStorage.

        ``best_effort`` values (a second copy) are dropped rather than held in memory
        when storage refuses them, so they never make the page report ``persistent=False``.
        """
        error = self._try_set(key, value)
        if isinstance(error, QuotaExceeded) and self.free_space is not None and self.raw is not None:
            # Not reported yet: if freeing our own old data makes room, nothing went wrong for the page.
            self.free_space(self.raw)
            error = self._try_set(key, value)
        if error is None:
            self._memory.pop(key, None)
            return True
        self._failed(error)
        if not best_effort:
            self._memory[key] = value
        return False

    def remove(self, key: str) -> None:
        self._memory.pop(key, None)
        if self.raw is None:
            return
        try:
            self.raw.removeItem(key)
        except StorageError as exc:
            self._failed(exc)

    def keys(self) -> list[str]:
        """Our keys (``chatbooking:v1:...``) in storage or held in memory."""
        try:
            found = dict.fromkeys(our_keys(self.raw))
        except StorageError as exc:
            self._failed(exc)
            found = {}
        found.update(dict.fromkeys(self._memory))
        return list(found)

    def bytes_used(self) -> int:
        """Bytes our keys take in localStorage (in memory if it cannot be read), counted like
        browsers do: UTF-16, two bytes per code unit."""
        items = list(self._memory.items())
        if self.raw is not None:
            try:
                items = [(key, self.raw.getItem(key) or "") for key in our_keys(self.raw)]
            except StorageError as exc:
                self._failed(exc)
        return sum(2 * (len(key) + len(value)) for key, value in items)

    def _try_set(self, key: str, value: str) -> StorageError | None:
        if self.raw is None:
            return self.last_error or StorageUnavailable("localStorage is not available here")
        try:
            self.raw.setItem(key, value)
        except StorageError as exc:
            return exc
        self._available = True
        return None

    def _failed(self, error: StorageError) -> None:
        self.last_error = error
        if isinstance(error, StorageUnavailable):
            self._available = False
        if self.on_error is not None:
            self.on_error(error)


def our_keys(storage: Storage | None, *, sessions_only: bool = True) -> list[str]:
    """Our keys (collected first, so callers may delete while iterating): every chat session's
    records, or with ``sessions_only=False`` everything under ``chatbooking:v1:`` (outbox,
    identity, tokens too)."""
    if storage is None:
        return []
    found = []
    for index in range(storage.length):
        key = storage.key(index)
        if key is None:
            continue
        if keys.parse_key(key) is not None or (not sessions_only and key.startswith(keys.PREFIX)):
            found.append(key)
    return found
