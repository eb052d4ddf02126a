""""Forget me on this device": remove everything of ours from localStorage.

Everything Chat Booking stores starts with ``chatbooking:v1:`` (``app.persistence.keys``), so
forgetting is removing exactly those keys: drafts and their backups, chat histories, confirmations,
the outbox, the customer id and token. Items in the outbox that were never sent are lost with it,
so the page asks first and says how many (``app.outbox.store.unsent_items``).

Example::

    forget_device(storage)       # ['chatbooking:v1:customer_id', ...]
"""

from __future__ import annotations

from app.domain.ports import Storage
from app.persistence.safe_storage import our_keys


def forget_device(storage: Storage | None) -> list[str]:
    """Remove every key of ours; returns them."""
    if storage is None:
        return []
    removed = our_keys(storage, sessions_only=False)
    for key in removed:
        storage.removeItem(key)
    return removed
