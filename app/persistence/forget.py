""""Forget me on this device": remove everything of ours from localStorage, and say what it costs.

Everything Chat Booking stores starts with ``chatbooking:v1:`` (``app.persistence.keys``), so
forgetting is removing exactly those keys: drafts and their backups, chat histories, confirmations,
the outbox, the customer id and token. Items in the outbox that were never sent are lost with it,
so the page asks first and says how many (``unsent_items``).

Example::

    unsent_items(storage)        # {"booking": 1, "message": 2}
    forget_device(storage)       # ['chatbooking:v1:customer_id', ...]
"""

from __future__ import annotations

from collections import Counter

from app.domain.errors import CorruptRecord, StorageError
from app.domain.ports import Storage
from app.persistence.envelope import Codec
from app.persistence.keys import OUTBOX_KEY, PREFIX

_OUTBOX = Codec("outbox", schema=1)  # read only to count; app.outbox.store owns the shape


def all_our_keys(storage: Storage) -> list[str]:
    found = []
    for index in range(storage.length):
        key = storage.key(index)
        if key is not None and key.startswith(PREFIX):
            found.append(key)
    return found


def unsent_items(storage: Storage | None) -> dict[str, int]:
    """How many outbox entries of each kind were never confirmed by the server."""
    if storage is None:
        return {}
    try:
        raw = storage.getItem(OUTBOX_KEY)
        entries = _OUTBOX.decode(raw, key=OUTBOX_KEY).data if raw is not None else []
    except (StorageError, CorruptRecord):
        return {}
    return dict(Counter(e.get("kind", "booking") for e in entries if isinstance(e, dict)))


def forget_device(storage: Storage | None) -> list[str]:
    """Remove every key of ours; returns them. Storage that refuses is left as it is (and said so)."""
    if storage is None:
        return []
    removed = all_our_keys(storage)  # collected first: removing while iterating shifts the indices
    for key in removed:
        storage.removeItem(key)
    return removed
