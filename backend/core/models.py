"""The chat API's public shapes and its two opaque cursors.

A message cursor is ``m.<last seq seen>.<read_through seen>``, with ``.<replies_read_through seen>``
once the customer has read a reply: every number, so that a read mark either way (no new
message) still counts as news for a waiting poll. A conversation-list cursor is
``c.<sum of the therapist's conversation versions>``; every change bumps one version, so the
sum grows with every message, reply, booking and read mark. Clients treat both as opaque.

Example::

    cursor = MessageCursor.parse("m.12.10")     # MessageCursor(seq=12, read_through=10)
    str(cursor)                                  # "m.12.10"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.domain.models import MESSAGE_MAX, BookingCreated, _Id  # noqa: F401 (the shared id rules)

_INT = r"(0|[1-9][0-9]{0,17})"
MESSAGE_CURSOR_PATTERN = rf"^m\.{_INT}\.{_INT}(\.{_INT})?$"
LIST_CURSOR_PATTERN = rf"^c\.{_INT}$"
WAIT_MAX = 30.0
SNIPPET_MAX = 120


@dataclass(frozen=True)
class MessageCursor:
    seq: int = 0
    read_through: int = 0
    replies_read_through: int = 0

    @classmethod
    def parse(cls, text: str | None) -> MessageCursor:
        if not text:
            return cls()
        _, *numbers = text.split(".")  # already matched MESSAGE_CURSOR_PATTERN
        return cls(*(int(n) for n in numbers))

    def __str__(self) -> str:
        # The third number only once there is one: cursors from before read receipts stay as they were.
        tail = f".{self.replies_read_through}" if self.replies_read_through else ""
        return f"m.{self.seq}.{self.read_through}{tail}"


@dataclass(frozen=True)
class Session:
    """A conversation's parts: ``session_<therapist_id>_<customer_id>`` (``backend.services.sessions``)."""

    session_id: str
    therapist_id: str
    customer_id: str


class MessagePublic(BaseModel):
    id: str
    session_id: str
    sender_type: Literal["customer", "therapist", "system"]
    sender_id: str
    message: str
    timestamp: int = Field(description="The sender's clock, epoch ms")
    server_time: int = Field(description="When the server stored it, epoch ms")
    seq: int = Field(description="Strictly increasing within the conversation")
    read: bool | None = Field(description="Customer messages: read by the therapist; null for replies")
    event: dict[str, Any] | None = Field(None, description="System messages: what happened to a booking "
                                                            "(app.domain.models.BookingEvent)")


class MessagePage(BaseModel):
    messages: list[MessagePublic]
    cursor: str
    read_through: int = Field(description="Customer messages with seq <= this are read")
    replies_read_through: int = Field(0, description="Therapist replies with seq <= this were shown "
                                                     "to the customer on a visible page")


class ReplyRequest(BaseModel):
    """A therapist's reply; ``id`` is the idempotency key, as for customer messages."""

    model_config = ConfigDict(extra="forbid")

    id: _Id
    message: str = Field(min_length=1, max_length=MESSAGE_MAX)


class ConversationSummary(BaseModel):
    session_id: str
    customer_id: str
    customer_name: str
    last_message: str = Field(max_length=SNIPPET_MAX)
    last_sender_type: Literal["customer", "therapist", "system"] | None
    last_activity: int
    unread: int
    whatsapp_ending: str | None = Field(None, description="The last four digits of the latest booking's "
                                                          "WhatsApp number; null before a booking")
    requests_waiting: int = Field(0, description="This customer's booking requests waiting for an answer")
    last_event: dict[str, Any] | None = Field(None, description="When the last line is the system's: the "
                                                                "booking event it tells (as a message's event), "
                                                                "so the list says it in the reader's language")


class ConversationList(BaseModel):
    conversations: list[ConversationSummary]
    cursor: str


class ReadMark(BaseModel):
    read_through: int


class TherapistMe(BaseModel):
    therapist_id: str
    name: str


class BookingHistory(BaseModel):
    bookings: list[BookingCreated]


def snippet(text: str) -> str:
    """The list's preview: one line, at most SNIPPET_MAX characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= SNIPPET_MAX else flat[:SNIPPET_MAX - 1] + "…"
