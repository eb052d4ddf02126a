"""The ``Idempotency-Key`` contract of ``POST /api/bookings``.

The client sends a fresh key with each new booking and the *same* key when it retries (after a
timeout, a reload, going offline). The server keeps the key with the booking it created:

- same key, same body      → the stored booking again, 201, no new row;
- same key, different body → 422 (the key already stands for another booking);
- many requests at once with one key → one row: ``(customer_id, idempotency_key)`` is UNIQUE and
  the insert is ``ON CONFLICT DO NOTHING``; whoever loses the race reads the winner's booking.
- a key is the customer's own: another customer's booking with the same key is never seen.

"Same body" means the same *validated* booking (``app.domain.models.BookingRequest`` after its
normalisation, so ``+62 812-3456 789`` equals ``+628123456789``), hashed canonically.

Example::

    key = await read_key(request)           # 400 when missing, empty or too long
    ensure_same_request(stored_hash, request_hash(booking))
"""

from __future__ import annotations

import hashlib
import re

from fastapi import Request
from pydantic import BaseModel

from app.domain.canonical import canonical_json
from backend.core.errors import ApiError, FieldError, InvalidRequest

HEADER = "Idempotency-Key"
KEY_MAX = 128
_VISIBLE_ASCII = re.compile(r"^[\x21-\x7e]+$")

OPENAPI_PARAMETER = {
    "name": HEADER, "in": "header", "required": True,
    "description": "A new unique value (e.g. a UUID) per booking; the same value when retrying it.",
    "schema": {"type": "string", "minLength": 1, "maxLength": KEY_MAX, "pattern": r"^[\x21-\x7e]+$"},
}


async def read_key(request: Request) -> str:
    # async: a header check needs no worker thread (FastAPI runs a plain ``def`` dependency in one)
    key = request.headers.get(HEADER, "").strip()
    if not key:
        raise ApiError(400, f"The {HEADER} header is required: send a new unique value (e.g. a UUID) "
                            "with each booking and the same value when retrying it.")
    if len(key) > KEY_MAX:
        raise ApiError(400, f"The {HEADER} header is too long: at most {KEY_MAX} characters.")
    if not _VISIBLE_ASCII.match(key):
        raise ApiError(400, f"The {HEADER} header may only contain visible ASCII characters.")
    return key


def request_hash(body: BaseModel) -> str:
    return hashlib.sha256(canonical_json(body.model_dump(mode="json")).encode("utf-8")).hexdigest()


def ensure_same_request(stored_hash: str, new_hash: str) -> None:
    if stored_hash != new_hash:
        message = (f"This {HEADER} was already used for a different booking. "
                   "Use a new key for a new booking.")
        raise InvalidRequest([FieldError(field=None, type="idempotency_key_reused", message=message)],
                             detail=message)
