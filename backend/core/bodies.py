"""Reading API bodies strictly: one meaning per byte string, and no text that lies about itself.

The page's models (``app.domain.models``) stay lenient for drafts; the API is stricter, here:

- a key twice in one JSON object is refused (``{"customer_id": "me", "customer_id": "victim"}``
  means different things to different parsers);
- numbers must be JSON integers: ``"350000"`` and ``60.0`` are refused (pydantic strict mode, plus
  an integer check, since a strict ``Literal[60, 90, 120]`` still takes ``60.0``);
- customer ids are canonical UUID4 strings (lowercase, hyphenated, version 4);
- names and messages refuse bidi embeddings/overrides/isolates (U+202A–U+202E, U+2066–U+2069),
  C1 controls (U+0080–U+009F), U+2028/U+2029, and names made only of invisible characters.

Every refusal is a 422 naming the field (``backend.core.errors.InvalidRequest``).

Example::

    booking = parse_body(BookingRequest, b'{"therapist_id": "t-ayu", ...}')
    check_customer_id("0b7e5a2c-...")            # raises InvalidRequest on customer_id otherwise
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from typing import Any, Literal, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError

from app.domain.models import BookingAction, BookingRequest, ChatMessage
from backend.core.models import ReplyRequest
from backend.core.errors import FieldError, InvalidRequest, field_errors

M = TypeVar("M", bound=BaseModel)

UUID4_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
_UUID4 = re.compile(UUID4_PATTERN)
_BIDI = "\u202a-\u202e\u2066-\u2069"
_NEVER = re.compile(f"[{_BIDI}\u0080-\u009f\u2028\u2029]")      # in names and messages
_MESSAGE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab, LF, CR are text


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _integer_fields(model: type[BaseModel]) -> set[str]:
    def integral(annotation: Any) -> bool:
        if annotation is int:
            return True
        if get_origin(annotation) is Literal:
            return all(type(arg) is int for arg in get_args(annotation))
        args = [a for a in get_args(annotation) if a is not type(None)]
        return bool(args) and all(integral(a) for a in args)
    return {name for name, field in model.model_fields.items() if integral(field.annotation)}


def _invalid(field: str, kind: str, message: str) -> InvalidRequest:
    return InvalidRequest([FieldError(field=field, type=kind, message=message)])


def visible_length(text: str) -> int:
    """Characters that show: not whitespace, not format characters (zero-width space, joiners...)."""
    return sum(1 for c in text if not c.isspace() and unicodedata.category(c) != "Cf")


def name_errors(field: str, value: str, minimum: int = 1) -> list[FieldError]:
    if _NEVER.search(value):
        return [FieldError(field=field, type="text_control",
                           message="must not contain direction overrides, control or line-separator characters")]
    if value and visible_length(value) < minimum:
        return [FieldError(field=field, type="text_invisible",
                           message=f"must contain at least {minimum} visible character(s)")]
    return []


def message_errors(field: str, value: str) -> list[FieldError]:
    if _NEVER.search(value) or _MESSAGE_CONTROL.search(value):
        return [FieldError(field=field, type="text_control",
                           message="must not contain direction overrides, control or line-separator characters")]
    if visible_length(value) < 1:
        return [FieldError(field=field, type="text_invisible", message="must contain visible text")]
    return []


def is_customer_id(value: str) -> bool:
    return _UUID4.fullmatch(value) is not None


def check_customer_id(value: str, field: str = "customer_id") -> None:
    if not is_customer_id(value):
        raise _invalid(field, "customer_id_format",
                       "must be a UUID4 in canonical form (lowercase, hyphenated), as the page makes")


def _booking_errors(booking: BookingRequest) -> list[FieldError]:
    errors = name_errors("customer_name", booking.customer_name, minimum=2)
    errors += name_errors("therapist_name", booking.therapist_name)
    errors += name_errors("address", booking.address)
    if not is_customer_id(booking.customer_id):
        errors.append(FieldError(field="customer_id", type="customer_id_format",
                                 message="must be a UUID4 in canonical form (lowercase, hyphenated)"))
    return errors


_CHECKS: dict[type, Callable[[Any], list[FieldError]]] = {
    BookingRequest: _booking_errors,
    ChatMessage: lambda m: message_errors("message", m.message),
    ReplyRequest: lambda r: message_errors("message", r.message),
    BookingAction: lambda a: message_errors("reason", a.reason) if a.reason else [],
}


def parse_body(model: type[M], raw: bytes) -> M:
    """``raw`` as ``model``, strictly; InvalidRequest (422) naming each bad field otherwise."""
    try:
        data = json.loads(raw, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as exc:
        raise _invalid(exc.key, "duplicate_key",
                       "appears more than once in the JSON object; send each field once") from None
    except (ValueError, RecursionError):
        data = None  # not JSON (or too deep for json): pydantic below says why, as a 422
    wrong: list[FieldError] = []
    if isinstance(data, dict):
        wrong = [FieldError(field=name, type="int_type", message="Input should be a valid integer")
                 for name in sorted(_integer_fields(model))
                 if name in data and type(data[name]) is not int]
    try:
        parsed = model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        named = {e.field for e in wrong}
        raise InvalidRequest(wrong + [e for e in field_errors(exc.errors()) if e.field not in named]) from None
    if wrong:
        raise InvalidRequest(wrong)
    errors = _CHECKS.get(model, lambda _: [])(parsed)
    if errors:
        raise InvalidRequest(errors)
    return parsed
