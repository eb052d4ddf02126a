"""How long this device keeps what holds personal data (a name, a WhatsApp number, a chat).

=======================  ==========  =========================================================
record                   kept for    counted from
=======================  ==========  =========================================================
booking draft (+backup)  7 days      its last edit
chat history + position  30 days     the newest message (or the last reset)
booking confirmation     30 days     when the server confirmed it
therapist's reply draft  7 days      its last edit
outbox entry             until sent  (an unsent booking or message is never thrown away)
identity and tokens      until "Forget me on this device" (or "Sign out" on the inbox)
=======================  ==========  =========================================================

Example::

    expired(stamp_ms, now_ms, CHAT_MAX_AGE_MS)     # True once 30 days have passed
"""

from __future__ import annotations

DAY_MS = 24 * 3600 * 1000
DRAFT_MAX_AGE_MS = 7 * DAY_MS
CHAT_MAX_AGE_MS = 30 * DAY_MS
CONFIRMATION_MAX_AGE_MS = 30 * DAY_MS
REPLY_DRAFT_MAX_AGE_MS = 7 * DAY_MS


def expired(stamp_ms: int | None, now_ms: int, max_age_ms: int) -> bool:
    return stamp_ms is not None and now_ms - stamp_ms > max_age_ms
