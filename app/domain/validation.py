"""Turn a ``BookingDraft`` into a ``BookingRequest``, or into sentences for the customer.

The rules live on ``app.domain.models.BookingRequest``; this module only feeds it the
draft and translates pydantic's errors into one message per field, in the order
the form asks for them.

Example::

    draft = BookingDraft(therapist_id="t1", customer_name="Ana")
    booking_errors(draft)
    # ['WhatsApp number is required', 'Please choose a duration', ...]
    to_booking_request(draft, customer_id="c1")   # raises DraftIncomplete(errors)

The draft says *when* as the customer chose it (``when``: "asap" or "choose", plus ``starts_at``
from the free times); the request says it as the API wants it (``asap: true`` or ``starts_at``).
The time rules the model cannot know (no choice, a chosen time with no start, a start already
past) are checked here, given the time now, and reported on ``when`` / ``starts_at``.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from app.domain import words
from app.domain.models import NAME_MAX, BookingDraft, BookingRequest
from app.domain.times import parse_start

# Form order: the first message is about the first field the customer should fix.
FIELD_ORDER = ("customer_name", "customer_whatsapp", "duration", "price", "when", "starts_at", "location_type",
               "massage_for", "address", "therapist_id", "customer_id")

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
    fields = draft.model_dump(include=set(BookingRequest.model_fields) - {"customer_id", "starts_at", "asap"})
    data = {name: value for name, value in fields.items() if value is not None}
    # An empty text box is "missing" to the customer, not "too short".
    for name in ("customer_name", "customer_whatsapp", "address"):
        if not str(data.get(name, "")).strip():
            data.pop(name, None)
    if draft.when == "asap":
        data["asap"] = True
    elif draft.when == "choose" and draft.starts_at:
        data["starts_at"] = draft.starts_at
    data["customer_id"] = customer_id
    return data


def when_errors(draft: BookingDraft, now_ms: int | None) -> dict[str, str]:
    """The time rules pydantic cannot check: field -> sentence (``when`` or ``starts_at``)."""
    if draft.when is None:
        return {"when": _MESSAGES["when"]["missing"]}
    if draft.when == "asap":
        return {}
    start = parse_start(draft.starts_at) if draft.starts_at else None
    if start is None:
        return {"starts_at": _MESSAGES["starts_at"]["missing"]}
    if now_ms is not None and start.timestamp() * 1000 <= now_ms:
        return {"starts_at": _MESSAGES["starts_at"]["past"]}
    return {}


def field_messages(error: ValidationError | None,
                   extra: dict[str, str] | None = None) -> list[tuple[str | None, str]]:
    """(field, sentence) per failing field, in form order; ``extra`` adds the time rules' sentences."""
    by_field: dict[str, str] = dict(extra or {})
    for item in error.errors() if error is not None else ():
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


def to_booking_request(draft: BookingDraft | None, customer_id: str, *, now_ms: int | None = None) -> BookingRequest:
    """The validated request, or ``DraftIncomplete`` listing what the customer must fix.

    ``now_ms`` (epoch ms) lets a chosen start that has already passed be refused; None skips that rule.
    """
    if draft is None:
        draft = BookingDraft.model_construct(therapist_id="", when=None, starts_at="")
    timing = when_errors(draft, now_ms)
    try:
        request = BookingRequest.model_validate(_request_input(draft, customer_id))
    except ValidationError as exc:
        raise DraftIncomplete(field_messages(exc, timing)) from exc
    if timing:
        raise DraftIncomplete(field_messages(None, timing))
    return request


def booking_field_errors(draft: BookingDraft | None, *, now_ms: int | None = None) -> list[tuple[str | None, str]]:
    """(field, sentence) pairs the customer still has to fix; empty when the draft is complete."""
    try:
        to_booking_request(draft, _PLACEHOLDER_CUSTOMER_ID, now_ms=now_ms)
    except DraftIncomplete as exc:
        return exc.fields
    return []


def booking_errors(draft: BookingDraft | None, *, now_ms: int | None = None) -> list[str]:
    """What the customer still has to fix before booking; empty when the draft is complete."""
    return [message for _, message in booking_field_errors(draft, now_ms=now_ms)]
