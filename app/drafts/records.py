"""The stored shapes of one chat session's records, and the migrations of old drafts.

=============  ======  =====================================================================
codec          schema  what ``data`` holds
=============  ======  =====================================================================
draft          2       a ``BookingDraft`` (schema 1: before the address and the time; schema 0: the
                       seed's bare camelCase object)
messages       1       the chat's ``ChatMessage`` list, oldest first
scroll         1       the chat's scroll offset in px
corrupt        1       a quarantined unreadable value: {"raw", "saved_at", "reason"}
=============  ======  =====================================================================

Example::

    raw = DRAFT_CODEC.encode({"therapist_id": "t1"})
    assert DRAFT_CODEC.decode(raw, key="k").data == {"therapist_id": "t1"}
    # The seed's un-enveloped camelCase draft is schema 0 and is migrated:
    DRAFT_CODEC.decode('{"therapistId": "t1", "customerName": "Ana"}', key="k").data
    # -> {"therapist_id": "t1", "customer_name": "Ana", "booking_step": "collecting", ...}
"""

from __future__ import annotations

import re
from typing import Any

from app.domain.models import DURATIONS, LOCATION_TYPES, MASSAGE_FOR
from app.persistence.envelope import Codec

# --- draft migrations ------------------------------------------------------------------------

# The seed page stored the draft as a bare camelCase object (schema 0).
_V0_NAMES = {
    "therapistId": "therapist_id",
    "therapistName": "therapist_name",
    "customerName": "customer_name",
    "customerWhatsApp": "customer_whatsapp",
    "duration": "duration",
    "price": "price",
    "locationType": "location_type",
    "massageFor": "massage_for",
    "bookingStep": "booking_step",
    "version": "version",
    "lastModified": "last_modified",
}
_V0_STEPS = {"collecting", "confirming", "queued", "confirmed"}
_LEADING_INT = re.compile(r"^\s*(\d+)")


def _int_or_none(value: Any) -> int | None:
    # The seed kept form values as strings ("90", "90 min", "450000"); floats came from Date.now() maths.
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str) and (match := _LEADING_INT.match(value)):
        return int(match.group(1))
    return None


def draft_v0_to_v1(old: Any) -> dict[str, Any]:
    """Seed camelCase draft -> snake_case ``BookingDraft`` fields; unknown choices are dropped."""
    if not isinstance(old, dict):
        raise TypeError("a schema-0 draft must be an object")
    new = {snake: old[camel] for camel, snake in _V0_NAMES.items() if old.get(camel) is not None}
    for name in ("duration", "price", "version", "last_modified"):
        if name in new:
            new[name] = _int_or_none(new[name])
    if new.get("duration") not in DURATIONS:
        new.pop("duration", None)
    for name, allowed in (("location_type", LOCATION_TYPES), ("massage_for", MASSAGE_FOR)):
        choice = str(new.get(name, "")).strip().lower()
        if choice in allowed:
            new[name] = choice
        else:
            new.pop(name, None)
    # The seed's step names are not ours; re-checking the booking is the safe place to resume.
    if new.get("booking_step") not in _V0_STEPS:
        new["booking_step"] = "collecting"
    new = {k: v for k, v in new.items() if v is not None}
    new.setdefault("created_at", new.get("last_modified", 0))
    return new


# Schema 2 (issue 17) added where and when: the address, the time choice and the WhatsApp updates tick.
_V2_DEFAULTS = {"address": "", "when": None, "date": "", "starts_at": "", "whatsapp_updates": False}


def draft_v1_to_v2(old: Any) -> dict[str, Any]:
    """A draft from before times: the new fields start empty, so the customer is asked for them.

    A draft that was queued for sending is put back to "collecting": its booking has no address or
    time, which the server now requires, so it must be completed and ordered again.
    """
    if not isinstance(old, dict):
        raise TypeError("a schema-1 draft must be an object")
    new = {**_V2_DEFAULTS, **old}
    if new.get("booking_step") in ("confirming", "queued"):
        new["booking_step"] = "collecting"
    return new


DRAFT_CODEC = Codec("draft", schema=2, migrations={0: draft_v0_to_v1, 1: draft_v1_to_v2}, legacy_schema=0)
MESSAGES_CODEC = Codec("messages", schema=1)
SCROLL_CODEC = Codec("scroll", schema=1)
# A quarantined unreadable value: {"raw": "...", "saved_at": epoch_ms, "reason": "..."}.
CORRUPT_CODEC = Codec("corrupt", schema=1)
# Bookings on their way to the server, and the server's confirmations (app.outbox.store).
OUTBOX_CODEC = Codec("outbox", schema=1)
CONFIRMATION_CODEC = Codec("confirmation", schema=1)
