"""Who the customer is, without an account: a random id kept in localStorage, and the chat session id.

The customer id is a UUID4 generated once and stored at ``chatbooking:v1:customer_id`` as the
bare UUID string (one short value that the UUID parse itself validates, so it needs no
envelope). It links bookings to the same browser so the next booking can be prefilled. When
storage is blocked or full the id lives for this page only (``persistent`` is False): the
customer can still book, the next visit just is not recognised.

The session id of a chat with a therapist is ``session_<therapist_id>_<customer_id>``, the
scheme the seed used, so drafts saved by the seed are found again.

Example::

    identity = CustomerIdentity(storage)
    identity.customer_id                          # "0b7e...-..." (same on every load)
    session_id_for("t-ayu", identity.customer_id) # "session_t-ayu_0b7e..."
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from app.domain.errors import StorageError
from app.domain.ports import Storage
from app.persistence.keys import CUSTOMER_ID_KEY


def session_id_for(therapist_id: str, customer_id: str) -> str:
    return f"session_{therapist_id}_{customer_id}"


def _valid(value: str | None) -> bool:
    if not value:
        return False
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return False
    return parsed.version == 4 and str(parsed) == value


class CustomerIdentity:
    """The anonymous customer id: read once, generated and stored if missing or unreadable."""

    def __init__(self, storage: Storage | None, *, new_uuid: Callable[[], uuid.UUID] = uuid.uuid4) -> None:
        self.persistent = storage is not None
        self.customer_id = self._load(storage) if storage is not None else None
        if self.customer_id is None:
            self.customer_id = str(new_uuid())
            self.persistent = self._store(storage, self.customer_id)

    def _load(self, storage: Storage) -> str | None:
        try:
            value = storage.getItem(CUSTOMER_ID_KEY)
        except StorageError:
            return None
        # Anything but a canonical UUID4 (edited by hand, another script's value) is replaced:
        # the id only links bookings for prefill, so a fresh one costs little.
        return value if _valid(value) else None

    @staticmethod
    def _store(storage: Storage | None, customer_id: str) -> bool:
        if storage is None:
            return False
        try:
            storage.setItem(CUSTOMER_ID_KEY, customer_id)
        except StorageError:
            return False  # blocked or full: this page keeps the id in memory (persistent False)
        return True

    def session_id(self, therapist_id: str) -> str:
        return session_id_for(therapist_id, self.customer_id)
