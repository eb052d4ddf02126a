"""Prefill a new booking draft from the customer's last booking, never over what they typed.

``prefill_fields`` returns only the updates: fields of ``LastBooking`` that have a value
while the draft's field is empty (missing, None, or blank text). Applying them is the draft
manager's job (one ``save_draft(updates)``), so prefill never races the customer's typing.
The price is not prefilled: it follows the therapist and duration, which the page sets.

Example::

    last = LastBooking(customer_name="Ana", customer_whatsapp="+628123456789", duration=90)
    prefill_fields({"customer_name": "Ann", "duration": None}, last)
    # -> {"customer_whatsapp": "+628123456789", "duration": 90}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.domain.models import LastBooking

PREFILLED_FIELDS = ("customer_name", "customer_whatsapp", "location_type", "massage_for", "duration")


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def prefill_fields(draft_fields: Mapping[str, Any], last: LastBooking) -> dict[str, Any]:
    """The updates that fill the draft's empty fields from ``last``; {} when there is nothing to add."""
    updates = {}
    for name in PREFILLED_FIELDS:
        value = getattr(last, name)
        if not _empty(value) and _empty(draft_fields.get(name)):
            updates[name] = value
    return updates
