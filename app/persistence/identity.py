"""Who the customer is, without an account: a random id kept in localStorage, and the chat session id.

The customer id is a UUID4 generated once and stored at ``chatbooking:v1:customer_id`` as the
bare UUID string (one short value that the UUID parse itself validates, so it needs no
envelope). It links bookings to the same browser so the next booking can be prefilled. When
storage is blocked or full the id lives for this page only (``persistent`` is False): the
customer can still book, the next visit just is not recognised.

Next to it, the customer **token**: 256 random bits (``secrets.token_urlsafe(32)``) stored at
``chatbooking:v1:customer_token``, sent as ``Authorization: Bearer`` on every customer call.
The id says who the customer is; the token proves it (the server stores only its hash, and the
first token seen with an id owns it). It never goes into a URL. A customer from before tokens
keeps their id and gets a token, which then claims the id.

The session id of a chat with a therapist is ``session_<therapist_id>_<customer_id>``, the
scheme the seed used, so drafts saved by the seed are found again.

Example::

    identity = CustomerIdentity(storage)
    identity.customer_id                          # "0b7e...-..." (same on every load)
    identity.auth_headers()                       # {"Authorization": "Bearer 3q2-..."}
    session_id_for("t-ayu", identity.customer_id) # "session_t-ayu_0b7e..."
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Callable

from app.domain.errors import StorageError
from app.domain.ports import Storage
from app.persistence.keys import CUSTOMER_ID_KEY, CUSTOMER_TOKEN_KEY

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43,128}$")


def new_token() -> str:
    return secrets.token_urlsafe(32)


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

    def __init__(self, storage: Storage | None, *, new_uuid: Callable[[], uuid.UUID] = uuid.uuid4,
                 make_token: Callable[[], str] = new_token) -> None:
        self.persistent = storage is not None
        stored_token = self._load(storage, CUSTOMER_TOKEN_KEY)
        self.token = stored_token if stored_token and _TOKEN.fullmatch(stored_token) else None
        # Anything but a canonical UUID4 (edited by hand, another script's value) is replaced.
        stored_id = self._load(storage, CUSTOMER_ID_KEY)
        self.customer_id = stored_id if _valid(stored_id) else None
        if self.customer_id is None:
            self.customer_id = str(new_uuid())
            self.persistent = self._store(storage, CUSTOMER_ID_KEY, self.customer_id) and self.persistent
        if self.token is None:
            self.token = make_token()
            self.persistent = self._store(storage, CUSTOMER_TOKEN_KEY, self.token) and self.persistent

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @staticmethod
    def _load(storage: Storage | None, key: str) -> str | None:
        if storage is None:
            return None
        try:
            return storage.getItem(key)
        except StorageError:
            return None

    @staticmethod
    def _store(storage: Storage | None, key: str, value: str) -> bool:
        if storage is None:
            return False
        try:
            storage.setItem(key, value)
        except StorageError:
            return False  # blocked or full: this page keeps it in memory (persistent False)
        return True

    def session_id(self, therapist_id: str) -> str:
        return session_id_for(therapist_id, self.customer_id)
