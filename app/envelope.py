"""The versioned JSON envelope every stored value is wrapped in, and its migrations.

A stored value looks like ``{"schema":1,"checksum":"1a2b3c4d","data":{...}}``:

- ``schema`` says which shape ``data`` has; older shapes are migrated on load,
  one step at a time, through the codec's ``migrations`` table (``N -> N + 1``);
- ``checksum`` is the CRC-32 (8 hex digits) of ``data`` as canonical JSON (sorted
  keys, no spaces), so a truncated or hand-edited value is caught before use.
  CRC-32 is enough: it guards against accidents (torn writes, other scripts), not
  attackers, and costs a few bytes of a draft's ~2 KB budget.

Anything that cannot be read becomes ``CorruptRecord`` (never a ``ValueError``
or ``KeyError``), so callers handle exactly one error type.

Example::

    raw = DRAFT_CODEC.encode({"therapist_id": "t1"})
    assert DRAFT_CODEC.decode(raw, key="k").data == {"therapist_id": "t1"}
    # The seed's un-enveloped camelCase draft is schema 0 and is migrated:
    DRAFT_CODEC.decode('{"therapistId": "t1", "customerName": "Ana"}', key="k").data
    # -> {"therapist_id": "t1", "customer_name": "Ana", "booking_step": "collecting", ...}
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.errors import CorruptRecord
from app.models import DURATIONS, LOCATION_TYPES, MASSAGE_FOR

Migration = Callable[[Any], Any]


def canonical_json(data: Any) -> str:
    """The one JSON spelling of ``data`` the checksum is computed over."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def checksum(canonical: str) -> str:
    return f"{zlib.crc32(canonical.encode('utf-8')):08x}"


@dataclass(frozen=True)
class Decoded:
    data: Any
    stored_schema: int  # the schema found in storage, before migrating
    schema: int  # the schema ``data`` has now

    @property
    def migrated(self) -> bool:
        return self.stored_schema != self.schema


@dataclass(frozen=True)
class Codec:
    """How one kind of record is wrapped: its current schema and how to reach it."""

    name: str
    schema: int
    migrations: Mapping[int, Migration] = field(default_factory=dict)
    # Schema of a bare JSON object with no envelope (data written before envelopes existed).
    legacy_schema: int | None = None

    def encode(self, data: Any) -> str:
        canonical = canonical_json(data)
        # Built by hand so the data is serialised once; key order is fixed and readable.
        return f'{{"schema":{self.schema},"checksum":"{checksum(canonical)}","data":{canonical}}}'

    def decode(self, raw: str, *, key: str) -> Decoded:
        """The record's data at the current schema, or ``CorruptRecord``."""
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
            raise CorruptRecord(key, f"not valid JSON ({exc})") from exc
        if not isinstance(value, dict):
            raise CorruptRecord(key, "not a JSON object")
        if "schema" in value:
            schema, data = self._unwrap(value, key)
        elif self.legacy_schema is not None:
            schema, data = self.legacy_schema, value
        else:
            raise CorruptRecord(key, "no envelope")
        return Decoded(self._migrate(data, schema, key), schema, self.schema)

    def _unwrap(self, value: dict[str, Any], key: str) -> tuple[int, Any]:
        schema = value.get("schema")
        if type(schema) is not int or schema < 0:
            raise CorruptRecord(key, f"bad schema {schema!r}")
        if "data" not in value or not isinstance(value.get("checksum"), str):
            raise CorruptRecord(key, "envelope without data or checksum")
        if checksum(canonical_json(value["data"])) != value["checksum"]:
            raise CorruptRecord(key, "checksum mismatch")
        return schema, value["data"]

    def _migrate(self, data: Any, schema: int, key: str) -> Any:
        if schema > self.schema:
            # Written by a newer page (e.g. another tab after a deploy); we cannot know its shape.
            raise CorruptRecord(key, f"schema {schema} is newer than {self.schema}")
        while schema < self.schema:
            step = self.migrations.get(schema)
            if step is None:
                raise CorruptRecord(key, f"no migration from {self.name} schema {schema}")
            try:
                data = step(data)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise CorruptRecord(key, f"migrating {self.name} from schema {schema} failed: {exc}") from exc
            schema += 1
        return data


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


DRAFT_CODEC = Codec("draft", schema=1, migrations={0: draft_v0_to_v1}, legacy_schema=0)
MESSAGES_CODEC = Codec("messages", schema=1)
SCROLL_CODEC = Codec("scroll", schema=1)
# A quarantined unreadable value: {"raw": "...", "saved_at": epoch_ms, "reason": "..."}.
CORRUPT_CODEC = Codec("corrupt", schema=1)
# Bookings on their way to the server, and the server's confirmations (app.outbox).
OUTBOX_CODEC = Codec("outbox", schema=1)
CONFIRMATION_CODEC = Codec("confirmation", schema=1)
