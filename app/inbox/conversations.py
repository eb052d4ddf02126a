"""The therapist's conversation list: the server's full list in the server's order, cached.

Every answer of ``GET /api/therapist/conversations`` is the whole list, so ``apply`` replaces
what is in memory and writes it to ``chatbooking:v1:inbox:conversations`` (the shared
envelope): the next visit, online or not, opens with the last list while the first poll is
under way. An unreadable cache is dropped (the first answer replaces it anyway).

Example::

    listing = ConversationList(SafeStorage(storage))
    cursor = listing.apply({"conversations": [...], "cursor": "c.7"})   # "c.7"
    listing.items[0].customer_name               # requests waiting first, then newest (the server sorts)
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.domain import words
from app.domain.errors import CorruptRecord
from app.domain.i18n import Text
from app.domain.observable import Observable
from app.inbox.when import event_text
from app.persistence.envelope import Codec
from app.persistence.keys import INBOX_CONVERSATIONS_KEY
from app.persistence.safe_storage import SafeStorage

LIST_CODEC = Codec("inbox_conversations", schema=1)
_BOOKING_LINE = re.compile(r"Booking: (\d{1,4}) min")


class ConversationSummary(BaseModel):
    """One row of the list, as the server sends it."""

    model_config = ConfigDict(extra="ignore")

    session_id: str
    customer_id: str = ""
    customer_name: str = ""
    last_message: str = ""
    last_sender_type: Literal["customer", "therapist", "system"] | None = None
    last_event: dict | None = None  # a system message's BookingEvent, when the server sends it
    last_activity: int = Field(default=0, ge=0)
    whatsapp_ending: str | None = None  # the latest booking's number's last digits; None before a booking
    unread: int = Field(default=0, ge=0)
    requests_waiting: int = Field(default=0, ge=0)  # booking requests of this customer not answered yet

    @property
    def waiting(self) -> str:
        """"Request waiting" while the therapist has a request to answer here; "" otherwise."""
        return words.request_waiting(self.requests_waiting) if self.requests_waiting else ""

    @property
    def display_name(self) -> str:
        # The API names a customer without a booking "New customer" (backend/chat_crud.py), in
        # English: the page says it in the reader's language instead.
        if not self.customer_name or self.customer_name == words.NEW_CUSTOMER:
            return words.NEW_CUSTOMER
        return self.customer_name


    @property
    def snippet(self) -> str:
        """The list's line under the name: the last message, or, for a booking, the API's
        ``"Booking: 90 min"`` (backend/chat_crud.py, English) in the page's own words."""
        if self.last_sender_type == "system":
            return event_text(self.last_event, self.last_message)
        booking = _BOOKING_LINE.fullmatch(self.last_message) if self.last_sender_type is None else None
        return Text("Booking: {minutes} min", minutes=int(booking[1])) if booking else self.last_message

    @property
    def who(self) -> str:
        """What tells two customers with one name apart: "WhatsApp …7890", or "No booking yet"."""
        if self.whatsapp_ending:
            return words.inbox_whatsapp_ending(self.whatsapp_ending)
        return words.INBOX_NO_BOOKING_YET


class ConversationList(Observable):
    def __init__(self, store: SafeStorage) -> None:
        self.store = store
        self.items: list[ConversationSummary] = self._load()
        self.from_cache = bool(self.items)  # True until the server answered on this visit

    def _load(self) -> list[ConversationSummary]:
        raw = self.store.get(INBOX_CONVERSATIONS_KEY)
        if raw is None:
            return []
        try:
            return _parse(LIST_CODEC.decode(raw, key=INBOX_CONVERSATIONS_KEY).data)
        except (CorruptRecord, ValidationError, TypeError):
            self.store.remove(INBOX_CONVERSATIONS_KEY)  # the first answer of the server replaces it
            return []

    def find(self, session_id: str) -> ConversationSummary | None:
        return next((c for c in self.items if c.session_id == session_id), None)

    def apply(self, data: dict[str, Any]) -> str | None:
        """Take one answer of the server; returns its cursor (the poller asks after it next)."""
        try:
            items = _parse(data.get("conversations"))
        except (ValidationError, TypeError):
            return None  # an unreadable answer changes nothing; the next one will do
        self.items, self.from_cache = items, False
        self.store.set(INBOX_CONVERSATIONS_KEY, LIST_CODEC.encode([c.model_dump() for c in items]))
        self.notify()
        cursor = data.get("cursor")
        return cursor if isinstance(cursor, str) else None

    def mark_read(self, session_id: str) -> None:
        """Show 0 unread at once when the therapist opened it (the next answer confirms)."""
        summary = self.find(session_id)
        if summary is not None and summary.unread:
            summary.unread = 0
            self.notify()

    def clear(self) -> None:
        self.items, self.from_cache = [], False
        self.store.remove(INBOX_CONVERSATIONS_KEY)
        self.notify()


def _parse(items: Any) -> list[ConversationSummary]:
    if not isinstance(items, list):
        raise TypeError("not a list")
    return [ConversationSummary.model_validate(item) for item in items]
