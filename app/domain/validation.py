"""Turn a ``BookingDraft`` into a ``BookingRequest``, or into sentences for the customer.

The rules live on ``app.domain.models.BookingRequest``; this module only feeds it the
draft and translates pydantic's errors into one message per field, in the order
the form asks for them.

Example::

    draft = BookingDraft(therapist_id="t1", customer_name="Ana")
    booking_errors(draft)
    # ['WhatsApp number is required', 'Please choose a duration', ...]
    to_booking_request(draft, customer_id="c1")   # raises DraftIncomplete(errors)
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from app.domain import words
from app.domain.models import NAME_MAX, BookingDraft, BookingRequest

# Form order: the first message is about the first field the customer should fix.
FIELD_ORDER = ("customer_name", "customer_whatsapp", "duration", "price", "location_type",
               "massage_for", "therapist_id", "customer_id")

# Per field: pydantic error type -> message; "*" is the field's fallback.
_MESSAGES = words.validation_messages(NAME_MAX)
_GENERIC = words.GENERIC_INVALID

# Any well-formed id: used when only the draft's own fields are being checked.
_PLACEHOLDER_CUSTOMER_ID = "customer"


class DraftIncomplete(ValueError):
    """The draft cannot become a ``BookingRequest``; ``errors`` are for the customer.

    ``fields`` pairs each message with the field it is about, so the page can mark it.
    """

    def __init__(self, fields: list[tuple[str | None, str]]) -> None:
        self.fields = fields
        self.errors = [message for _, message in fields]
        super().__init__("; ".join(self.errors))


def _request_input(draft: BookingDraft, customer_id: str) -> dict[str, Any]:
    fields = draft.model_dump(include=set(BookingRequest.model_fields) - {"customer_id"})
    data = {name: value for name, value in fields.items() if value is not None}
    # An empty text box is "missing" to the customer, not "too short".
    for name in ("customer_name", "customer_whatsapp"):
        if not str(data.get(name, "")).strip():
            data.pop(name, None)
    data["customer_id"] = customer_id
    return data


def field_messages(error: ValidationError) -> list[tuple[str | None, str]]:
    """(field, sentence) per failing field, in form order."""
    by_field: dict[str, str] = {}
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else ""
        table = _MESSAGES.get(name)
        if table is None or name in by_field:
            continue
        kind = item["type"]
        if kind == "string_too_short":
            kind = "too_short"
        by_field[name] = table.get(kind, table["*"])
    if "duration" in by_field:
        by_field.pop("price", None)  # the price follows the duration: one message is enough
    ordered: list[tuple[str | None, str]] = [(name, by_field[name]) for name in FIELD_ORDER if name in by_field]
    return ordered or [(None, _GENERIC)]


def message_for(field: str, kind: str) -> str | None:
    """Our sentence for a field and a pydantic error type (e.g. the API's 422 ``type``), or None."""
    table = _MESSAGES.get(field)
    if table is None:
        return None
    kind = "too_short" if kind == "string_too_short" else kind
    return table.get(kind, table["*"])


def messages_for(error: ValidationError) -> list[str]:
    """One sentence per failing field, in form order."""
    return [message for _, message in field_messages(error)]


def to_booking_request(draft: BookingDraft | None, customer_id: str) -> BookingRequest:
    """The validated request, or ``DraftIncomplete`` listing what the customer must fix."""
    if draft is None:
        draft = BookingDraft.model_construct(therapist_id="")
    try:
        return BookingRequest.model_validate(_request_input(draft, customer_id))
    except ValidationError as exc:
        raise DraftIncomplete(field_messages(exc)) from exc


def booking_field_errors(draft: BookingDraft | None) -> list[tuple[str | None, str]]:
    """(field, sentence) pairs the customer still has to fix; empty when the draft is complete."""
    try:
        to_booking_request(draft, _PLACEHOLDER_CUSTOMER_ID)
    except DraftIncomplete as exc:
        return exc.fields
    return []


def booking_errors(draft: BookingDraft | None) -> list[str]:
    """What the customer still has to fix before booking; empty when the draft is complete."""
    return [message for _, message in booking_field_errors(draft)]
