"""Pydantic models shared by the page (Pyodide) and the reference backend (CPython).

Two families, on purpose:

- ``BookingDraft`` holds whatever the customer has typed so far, valid or not:
  nothing typed may ever be refused on the way into storage. Its limits only
  keep a draft small (a draft is at most ~2 KB).
- ``BookingRequest`` is a *complete, validated* booking: the only thing ever
  sent to the backend, and the body the backend accepts. ``BookingDraft`` →
  ``BookingRequest`` is where validation happens (``app.domain.validation`` turns the
  pydantic errors into sentences for the customer).

Example::

    draft = BookingDraft(therapist_id="t1", customer_name="Ana")
    BookingRequest.model_validate({...})   # raises ValidationError when incomplete

Times are integers in epoch milliseconds, like JavaScript's ``Date.now()``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from app.domain.i18n import Text

Duration = Literal[60, 90, 120]
LocationType = Literal["home", "hotel", "villa", "office"]
MassageFor = Literal["myself", "partner", "friend", "family"]
BookingStep = Literal["collecting", "confirming", "queued", "confirmed"]
SenderType = Literal["customer", "therapist", "system"]
# A booking's life (app.domain.lifecycle holds the transitions): the server is the truth.
BookingStatus = Literal["requested", "confirmed", "declined", "expired", "cancelled", "completed"]
Actor = Literal["customer", "therapist", "system"]
WhenChoice = Literal["asap", "choose"]

DURATIONS: tuple[int, ...] = (60, 90, 120)
LOCATION_TYPES: dict[str, str] = {"home": Text("Home"), "hotel": Text("Hotel"), "villa": Text("Villa"),
                                  "office": Text("Office")}
MASSAGE_FOR: dict[str, str] = {"myself": Text("Myself"), "partner": Text("My partner"), "friend": Text("A friend"),
                               "family": Text("A family member")}

# Limits on what a draft may hold; the form's maxlength attributes use the same numbers.
NAME_MAX = 80
WHATSAPP_MAX = 32
MESSAGE_MAX = 2000
ADDRESS_MAX = 300
REASON_MAX = 300
ID_MAX = 64
# JavaScript's largest exact integer: every time and counter must survive a trip through the page
# (and fit a 64-bit database column).
INT_MAX = 2**53 - 1

_Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=ID_MAX,
                                       pattern=r"^[A-Za-z0-9_.:-]+$")]
_WHATSAPP_SEPARATORS = re.compile(r"[\s().-]")
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def normalise_whatsapp(raw: str) -> str:
    """'+62 812-3456 789' → '+628123456789'; a leading '00' counts as '+'."""
    number = _WHATSAPP_SEPARATORS.sub("", raw.strip())
    if number.startswith("00"):
        number = "+" + number[2:]
    return number


class BookingDraft(BaseModel):
    """The booking being put together in one chat window (session)."""

    model_config = ConfigDict(extra="ignore", validate_assignment=False)

    therapist_id: _Id
    therapist_name: str = Field(default="", max_length=NAME_MAX)
    customer_name: str = Field(default="", max_length=NAME_MAX)
    customer_whatsapp: str = Field(default="", max_length=WHATSAPP_MAX)
    duration: Duration | None = None
    price: int | None = Field(default=None, ge=0)
    location_type: LocationType | None = None
    massage_for: MassageFor | None = None
    # Where the therapist travels to: the place and how to find it (personal data, like the name).
    address: str = Field(default="", max_length=ADDRESS_MAX)
    # When: "asap" (the earliest free start) or "choose" (a start from the slots of ``date``).
    when: WhenChoice | None = None
    date: str = Field(default="", max_length=10)  # YYYY-MM-DD in the therapist's zone
    starts_at: str = Field(default="", max_length=40)  # ISO 8601 with offset, one of the slots
    whatsapp_updates: bool = False  # "Send me updates on WhatsApp" (unticked by default)
    booking_step: BookingStep = "collecting"
    version: int = Field(default=0, ge=0)
    created_at: int = Field(default=0, ge=0)
    last_modified: int = Field(default=0, ge=0)


# What the customer types or chooses (not the price or bookkeeping): a draft with any of these
# holds their details, so it is worth a recovery prompt, a persist() request, a leave warning.
CUSTOMER_FIELDS = ("customer_name", "customer_whatsapp", "duration", "location_type", "massage_for",
                   "address", "when", "starts_at")


def has_customer_data(draft: BookingDraft | None) -> bool:
    return draft is not None and any(getattr(draft, name) for name in CUSTOMER_FIELDS)


class BookingRequest(BaseModel):
    """A complete booking, as POSTed to ``/api/bookings``. Every rule lives here."""

    # Built on first use (ordering, not start-up): the page's boot does not pay for its validators.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    therapist_id: _Id
    therapist_name: str = Field(default="", max_length=NAME_MAX)
    customer_id: _Id
    customer_name: str = Field(min_length=2, max_length=NAME_MAX)
    customer_whatsapp: str = Field(min_length=1, max_length=WHATSAPP_MAX)
    duration: Duration
    price: int = Field(gt=0, le=100_000_000)
    location_type: LocationType
    massage_for: MassageFor
    address: str = Field(min_length=1, max_length=ADDRESS_MAX)
    # Exactly one of the two: a start the customer chose (one of the slots), or the earliest free one.
    starts_at: datetime | None = None
    asap: bool = False
    whatsapp_updates: bool = False

    @field_validator("customer_name", "address")
    @classmethod
    def _printable_name(cls, value: str) -> str:
        if _CONTROL.search(value):
            raise ValueError("must not contain control characters")
        return value

    @field_validator("starts_at")
    @classmethod
    def _with_offset(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("must be ISO 8601 with an offset, like 2026-12-09T15:00:00+08:00")
        return value

    @model_validator(mode="after")
    def _one_time(self) -> BookingRequest:
        if (self.starts_at is None) == (not self.asap):
            raise ValueError("give exactly one of starts_at and asap")
        return self

    @field_validator("customer_whatsapp")
    @classmethod
    def _international_number(cls, value: str) -> str:
        number = normalise_whatsapp(value)
        if not _E164.fullmatch(number):
            raise ValueError("must be a valid international number, like +62 812 3456 7890")
        return number


class BookingCreated(BaseModel):
    """The backend's answer to a successful ``POST /api/bookings``."""

    model_config = ConfigDict(defer_build=True)

    id: str
    status: BookingStatus = "requested"
    created_at: int
    booking: BookingRequest
    # The held time, ISO 8601 in the therapist's zone (None: a booking from before times: "Time to be agreed").
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    expires_at: datetime | None = None  # a request nobody answers by then becomes ``expired``
    time_zone: str = ""
    time_zone_label: str = ""
    status_reason: str = ""
    status_changed_at: int = 0  # epoch ms
    status_changed_by: Actor | None = None


class LastBooking(BaseModel):
    """Reusable fields of a customer's last booking, for prefilling a new draft."""

    model_config = ConfigDict(defer_build=True)

    customer_name: str = ""
    customer_whatsapp: str = ""
    location_type: LocationType | None = None
    massage_for: MassageFor | None = None
    duration: Duration | None = None
    address: str = ""
    # The booking itself (the customer's page shows its status after a reload on another device).
    id: str | None = None
    therapist_id: str | None = None
    status: BookingStatus | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    time_zone_label: str = ""
    status_reason: str = ""
    status_changed_at: int = 0
    status_changed_by: Actor | None = None


class ChatMessage(BaseModel):
    """One chat message, as the customer's page POSTs it to ``/api/conversations/{session}/messages``."""

    model_config = ConfigDict(extra="ignore")

    id: _Id
    sender_id: _Id
    sender_type: SenderType
    message: str = Field(min_length=1, max_length=MESSAGE_MAX)
    timestamp: int = Field(ge=0, le=INT_MAX)
    is_read: bool = False


class HistoryMessage(ChatMessage):
    """A message as this device keeps it: the message plus what the server said about it."""

    seq: int | None = Field(default=None, ge=0)  # the server's order; None until the server stored it
    server_time: int | None = Field(default=None, ge=0)
    not_sent: str | None = None  # the server refused it: why (shown with Retry / Delete)
    event: dict | None = None  # a system message's BookingEvent (as the server sent it)

    @property
    def delivered(self) -> bool:
        return self.seq is not None

    def api_body(self) -> dict:
        """What is POSTed: the message itself, none of this device's bookkeeping."""
        return {"id": self.id, "sender_id": self.sender_id, "sender_type": self.sender_type,
                "message": self.message, "timestamp": self.timestamp}


class ServerMessage(BaseModel):
    """A message as the server answers it (both sides of the conversation)."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    id: _Id
    session_id: str = ""
    sender_type: SenderType
    sender_id: str = ""
    message: str = Field(min_length=1, max_length=MESSAGE_MAX)
    timestamp: int = Field(ge=0)
    server_time: int = Field(ge=0)
    seq: int = Field(ge=0)
    read: bool | None = None
    # System messages (sender_type "system") carry what happened, so each page says it in its reader's
    # language; ``message`` is the English sentence for anyone else. See BookingEvent.
    event: dict | None = None

    def to_history(self) -> HistoryMessage:
        return HistoryMessage(id=self.id, sender_id=self.sender_id or self.sender_type, sender_type=self.sender_type,
                              message=self.message, timestamp=self.timestamp, is_read=bool(self.read),
                              seq=self.seq, server_time=self.server_time, event=self.event)


class BookingEvent(BaseModel):
    """What a system message in the conversation says happened to a booking (``ServerMessage.event``).

    Example (the message "Ayu Lestari confirmed your booking for Tue 9 Dec, 15:00 WITA")::

        {"kind": "booking", "booking_id": "bk_…", "status": "confirmed", "by": "therapist",
         "starts_at": "2026-12-09T15:00:00+08:00", "time_zone_label": "WITA",
         "therapist_name": "Ayu Lestari", "customer_name": "Ana", "reason": ""}

    ``status`` is the booking's new status (``requested`` for a new request).
    """

    model_config = ConfigDict(extra="ignore", defer_build=True)

    kind: Literal["booking"] = "booking"
    booking_id: str
    status: BookingStatus
    by: Actor
    starts_at: datetime | None = None
    time_zone_label: str = ""
    therapist_name: str = ""
    customer_name: str = ""
    reason: str = Field(default="", max_length=REASON_MAX)


class BookingAction(BaseModel):
    """The body of ``POST /api/bookings/{id}/cancel`` and ``/api/therapist/bookings/{id}/<action>``.

    ``reason`` is required (non-empty) for a therapist's decline and cancel; the server says so (422).
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    reason: str = Field(default="", max_length=REASON_MAX)


class MessagePage(BaseModel):
    """One answer of ``GET .../messages?after=&wait=``."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    messages: list[ServerMessage] = Field(default_factory=list)
    cursor: str
    read_through: int = Field(default=0, ge=0)
    replies_read_through: int = Field(default=0, ge=0)  # the therapist's replies the customer was shown
