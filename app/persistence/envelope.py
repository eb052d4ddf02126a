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

Each kind of record declares its own ``Codec`` next to the code that owns it (drafts and chat
history in ``app.drafts.records``, the outbox in ``app.outbox.store``); this module is generic.

Example::

    codec = Codec("scroll", schema=1)
    raw = codec.encode(120)                 # '{"schema":1,"checksum":"...","data":120}'
    assert codec.decode(raw, key="k").data == 120
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.domain.canonical import canonical_json
from app.domain.errors import CorruptRecord

Migration = Callable[[Any], Any]
__all__ = ["Codec", "Decoded", "Migration", "canonical_json", "checksum"]


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
