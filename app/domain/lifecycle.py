"""A booking's life: which action each side may take in each status, and what status follows.

The server is the truth (``backend`` refuses anything else with 409 and the current status); the
pages use the same table to offer only the buttons that can succeed, so the two never disagree.

    requested → confirmed   (therapist: accept)
              → declined    (therapist: decline, reason required)
              → expired     (system: nobody answered by ``expires_at``)
              → cancelled   (customer: cancel)
    confirmed → cancelled   (customer or therapist, before the start; the therapist gives a reason)
              → completed   (therapist: complete, once the start has passed)

``declined``, ``expired``, ``cancelled`` and ``completed`` are final.

Example::

    next_status("requested", "accept", "therapist", now=now, starts_at=start)   # 'confirmed'
    next_status("declined", "accept", "therapist", now=now, starts_at=start)    # raises Refused
    allowed_actions("confirmed", "therapist", now=now, starts_at=start)         # ('cancel',)
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from app.domain.models import Actor, BookingStatus

Action = Literal["accept", "decline", "cancel", "complete", "expire"]

STATUSES: tuple[str, ...] = get_args(BookingStatus)
ACTIONS: tuple[str, ...] = get_args(Action)
ACTORS: tuple[str, ...] = get_args(Actor)
FINAL: frozenset[str] = frozenset({"declined", "expired", "cancelled", "completed"})
# Holding time: a therapist's requests and confirmed bookings never overlap (with buffers).
HOLDING: frozenset[str] = frozenset({"requested", "confirmed"})
# (status, action, actor) → the status that follows; anything else is refused.
_TABLE: dict[tuple[str, str, str], str] = {
    ("requested", "accept", "therapist"): "confirmed",
    ("requested", "decline", "therapist"): "declined",
    ("requested", "expire", "system"): "expired",
    ("requested", "cancel", "customer"): "cancelled",
    ("confirmed", "cancel", "customer"): "cancelled",
    ("confirmed", "cancel", "therapist"): "cancelled",
    ("confirmed", "complete", "therapist"): "completed",
}
# Actions whose actor must say why (the other side reads it).
REASON_REQUIRED: frozenset[tuple[str, str]] = frozenset({("decline", "therapist"), ("cancel", "therapist")})


class Refused(ValueError):
    """This action is not allowed now; ``status`` is the booking's current status (the 409's body)."""

    def __init__(self, status: str, action: str, why: str) -> None:
        self.status = status
        self.action = action
        self.why = why
        super().__init__(f"cannot {action} a booking that is {status}: {why}")


def _timing_refusal(status: str, action: str, now: datetime, starts_at: datetime | None) -> str | None:
    # A booking from before times (no start) may be cancelled or completed at any moment.
    if starts_at is None:
        return None
    if action == "cancel" and status == "confirmed" and now >= starts_at:
        return "it has already started"
    if action == "complete" and now < starts_at:
        return "it has not started yet"
    return None


def next_status(status: str, action: str, actor: str, *, now: datetime,
                starts_at: datetime | None) -> str:
    """The status after ``actor`` takes ``action``; ``Refused`` when the table or the clock says no."""
    following = _TABLE.get((status, action, actor))
    if following is None:
        why = "it is final" if status in FINAL else f"a {actor} cannot {action} it"
        raise Refused(status, action, why)
    why = _timing_refusal(status, action, now, starts_at)
    if why is not None:
        raise Refused(status, action, why)
    return following


def allowed_actions(status: str, actor: str, *, now: datetime,
                    starts_at: datetime | None) -> tuple[str, ...]:
    """The actions ``actor`` may take now, in table order (the buttons a page offers)."""
    allowed = []
    for action in ACTIONS:
        try:
            next_status(status, action, actor, now=now, starts_at=starts_at)
        except Refused:
            continue
        allowed.append(action)
    return tuple(allowed)


def reason_required(action: str, actor: str) -> bool:
    return (action, actor) in REASON_REQUIRED
