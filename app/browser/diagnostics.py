"""Timings of the draft manager's storage calls, measured inside the page (for ``make bench``).

``measure(window, kind, n)`` makes ``n`` calls on the chat window's ``ChatBookingStorageService``
and times each one with ``performance.now()`` (the clock the JavaScript baseline uses too):

- ``"save"``: ``save_draft_immediately(full_draft)``, alternating between two drafts that differ in
  one letter of the name, so every call really writes (an unchanged draft is not written again);
- ``"load"``: ``load_draft()``, which reads, checks and validates the stored draft.

The draft is a realistic complete booking (name, WhatsApp, 90 min and its price, location, who
it is for), so after a ``"save"`` run storage holds what a customer's draft looks like. The
result is JSON, so it crosses to JavaScript as one string::

    {"kind": "save", "n": 1000, "ms": [0.41, 0.38, ...], "draft_key": "chatbooking:v1:...:draft"}

Example (``app.browser.boot`` exposes it as ``window.chatBookingMeasure``)::

    JSON.parse(chatBookingMeasure("save", 1000)).ms

``imported_modules()`` (``window.chatBookingImported``) lists every module imported so far, as a
JSON array: the browser tests collect it to trace which standard-library modules the page needs
(``TRACE_STDLIB=1``, see ``tests/browser/conftest.py`` and ``tools/build_runtime.py``).
"""

from __future__ import annotations

import json
import sys

import js

from app.persistence.keys import draft_key

KINDS = ("save", "load")
MAX_CALLS = 100_000
# Same length, so every saved value has the same size.
NAMES = ("Nadia Putri Lestari", "Nadia Putri Lestary")


def full_draft(window, variant: int = 0) -> dict:
    """A complete booking as the form would hold it; ``variant`` changes one letter of the name."""
    return {"customer_name": NAMES[variant % len(NAMES)], "customer_whatsapp": "+62 812 3456 7890",
            "duration": 90, "price": window.therapist.price_for(90), "location_type": "villa",
            "massage_for": "partner"}


def measure(window, kind: str, n: int) -> str:
    """Time ``n`` calls of ``kind`` (``"save"`` or ``"load"``) on ``window.service``; JSON, in ms."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: expected one of {', '.join(KINDS)}")
    n = int(n)
    if not 0 < n <= MAX_CALLS:
        raise ValueError(f"n must be 1..{MAX_CALLS} (got {n})")
    service = window.service
    now = js.performance.now
    timings = []
    if kind == "save":
        drafts = (full_draft(window, 0), full_draft(window, 1))
        for i in range(n):
            draft = drafts[i % 2]
            start = now()
            service.save_draft_immediately(draft)
            timings.append(now() - start)
    else:
        for _ in range(n):
            start = now()
            service.load_draft()
            timings.append(now() - start)
    return json.dumps({"kind": kind, "n": n, "ms": timings, "draft_key": draft_key(service.session_id)})


def imported_modules() -> str:
    """Every module in ``sys.modules`` (sorted, JSON): what the page has imported so far."""
    return json.dumps(sorted(sys.modules))
