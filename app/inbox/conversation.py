"""The conversation the therapist has open: its messages in server order, its read mark, its bookings.

Messages arrive from the long poll (``merge``, one ``MessagePage`` answer at a time) and from
the outbox (``add``: a reply the server just stored); both are kept by id, so a message that
comes both ways is shown once, and sorted by the server's ``seq``.

Read marking is decided here, sent by ``app.inbox.inbox``: ``needs_read`` is True while a
customer message is newer than the server's ``read_through`` and no mark for it is under way.
A mark that fails is simply asked for again after the next poll answer.

Example::

    conversation = OpenConversation("session_t-ayu_c1")
    conversation.merge({"messages": [...], "cursor": "m.3.0", "read_through": 0})   # "m.3.0"
    conversation.needs_read            # True: customer messages 1..3 are unread
    conversation.read_marked(3)        # the server answered {"read_through": 3}
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from app.domain.models import BookingCreated, MessagePage, ServerMessage
from app.inbox.bookings import read_bookings


class OpenConversation:
    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self.messages: dict[str, ServerMessage] = {}
        self.read_through = 0  # the server's: customer messages with seq <= this are read
        self.replies_read_through = 0  # the server's: own replies with seq <= this the customer was shown
        self.read_requested = 0  # the highest seq a read mark is under way (or was sent) for
        self.loaded = False  # the first answer came
        self.bookings: list[BookingCreated] = []
        self.bookings_loaded = False
        # True after an answer (not the first) brought a system message: a booking changed, read them again.
        self.bookings_changed = False

    def ordered(self) -> list[ServerMessage]:
        return sorted(self.messages.values(), key=lambda m: m.seq)

    def merge(self, data: dict[str, Any]) -> str | None:
        """One answer of the long poll; returns its cursor (None when it was unreadable)."""
        try:
            page = MessagePage.model_validate(data)
        except ValidationError:
            return None
        self.bookings_changed = self.loaded and any(
            m.sender_type == "system" and m.id not in self.messages for m in page.messages)
        for message in page.messages:
            self.messages[message.id] = message
        self.read_through = max(self.read_through, page.read_through)
        self.replies_read_through = max(self.replies_read_through, page.replies_read_through)
        self.loaded = True
        return page.cursor

    def add(self, message: ServerMessage) -> None:
        """A message the server confirmed outside the poll (our own reply's 201)."""
        if message.session_id in ("", self.session_id):
            self.messages[message.id] = message

    @property
    def last_customer_seq(self) -> int:
        return max((m.seq for m in self.messages.values() if m.sender_type == "customer"), default=0)

    @property
    def needs_read(self) -> bool:
        newest = self.last_customer_seq
        return newest > self.read_through and newest > self.read_requested

    def read_requesting(self) -> int:
        """Note that a mark is being sent for everything seen so far; returns that seq."""
        self.read_requested = max(self.read_requested, self.last_customer_seq)
        return self.read_requested

    def read_marked(self, read_through: int) -> None:
        self.read_through = max(self.read_through, read_through)

    def read_failed(self) -> None:
        """The mark did not get through: ask again after the next answer."""
        self.read_requested = self.read_through

    def put_booking(self, created: BookingCreated) -> None:
        """The server's answer to an action: this booking as it is now (before the list is read again)."""
        self.bookings = [created if b.id == created.id else b for b in self.bookings]

    def set_bookings(self, data: dict[str, Any]) -> None:
        self.bookings, self.bookings_loaded = read_bookings(data), True
