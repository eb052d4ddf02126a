"""The one canonical JSON spelling of a value: sorted keys, no spaces, UTF-8 as is.

Used wherever two copies of a value must compare or hash equal: the checksum of every stored
envelope (``app.persistence.envelope``) and the request hash behind the backend's
idempotency check (``backend.idempotency``).

Example::

    canonical_json({"b": 1, "a": "é"})     # '{"a":"é","b":1}'
"""

from __future__ import annotations

import json
from typing import Any


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
