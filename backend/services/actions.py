"""A person's action on a booking (accept, decline, cancel, complete), exactly once per Idempotency-Key.

The rules are the shared table (``app.domain.lifecycle.next_status``): an action it refuses is a
409 with the booking's current status. A change runs in one transaction: overdue requests of the
therapist expire first (so nobody accepts a request whose time is up), then a conditional
``UPDATE … WHERE status = <the status read>`` (a racing action that got there first makes it
touch nothing: the booking is read again and judged again), the history row and the system
message (``booking_events.record``), and the answer kept under the actor's key.

Keys belong to the actor (``customer:<id>`` / ``therapist:<id>``):

- same key, same booking, action and reason → the first answer again (200 or 409), replayed;
- same key, anything else → 422 (the key stands for another action);
- a refused action (409) is an answer too: its key keeps it.

Example::

    answer = act(conn, booking, action="accept", actor="therapist", actor_id="t-ayu", key=key, reason="")
    answer.status_code, answer.body, answer.replayed     # 200, BookingCreated as JSON, False
    for changed in answer.changed: wake(notifier, changed)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from app.domain.canonical import canonical_json
from app.domain.lifecycle import Refused, next_status, reason_required
from app.domain.models import BookingCreated
from backend.core.clock import now_ms
from backend.core.errors import FieldError, InvalidRequest
from backend.crud import booking_events as events_crud
from backend.crud import bookings as crud
from backend.db.engine import INTEGRITY_ERRORS, transaction
from backend.services.booking_events import Change, record
from backend.services.bookings import expire_overdue
from backend.services.idempotency import HEADER

TRIES = 5
PAST = {"accept": "accepted", "decline": "declined", "cancel": "cancelled", "complete": "completed"}


@dataclass(frozen=True)
class Answer:
    status_code: int                 # 200, or 409 (refused)
    body: dict[str, Any]             # BookingCreated as JSON, or {"detail", "status"}
    replayed: bool = False
    changed: list[BookingCreated] = field(default_factory=list)  # to wake after the commit


class _Again(Exception):
    """Another action changed the booking between our read and our update: read and judge again."""


class _TwinAnswered(Exception):
    """A request with the same key committed its answer first."""


def request_hash(booking_id: str, action: str, reason: str) -> str:
    body = canonical_json({"booking_id": booking_id, "action": action, "reason": reason})
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _reused() -> InvalidRequest:
    message = (f"This {HEADER} was already used for a different action. Use a new key for a new action.")
    return InvalidRequest([FieldError(field=None, type="idempotency_key_reused", message=message)],
                          detail=message)


def _replay(stored: events_crud.StoredAction, booking_id: str, action: str, digest: str) -> Answer:
    if (stored.booking_id, stored.action, stored.request_hash) != (booking_id, action, digest):
        raise _reused()
    return Answer(stored.status_code, json.loads(stored.answer_json), replayed=True)


def _refusal(refused: Refused) -> dict[str, Any]:
    detail = f"This booking cannot be {PAST.get(refused.action, refused.action)} now: {refused.why}."
    if refused.why == "it is final":
        detail = f"This booking is already {refused.status}."
    return {"detail": detail, "status": refused.status}


def _attempt(conn: Connection, booking_id: str, *, action: str, actor: str, actor_id: str, key: str,
             reason: str, digest: str) -> Answer:
    now = now_ms()
    with transaction(conn):
        current = crud.get_booking(conn, booking_id)
        assert current is not None, "bookings are never deleted"
        expired = expire_overdue(conn, now, current.booking.therapist_id)
        current = crud.get_booking(conn, booking_id)
        assert current is not None
        try:
            following = next_status(current.status, action, actor, now=datetime.fromtimestamp(now / 1000, UTC),
                                    starts_at=current.starts_at)
        except Refused as refused:
            answer = Answer(409, _refusal(refused), changed=expired)
        else:
            updated = crud.set_status(conn, booking_id, old=current.status, new=following, reason=reason, at=now,
                                      by=actor)
            if updated is None:
                raise _Again
            record(conn, Change(updated, action=action, actor=actor, actor_id=actor_id,
                                from_status=current.status, at=now, reason=reason))
            answer = Answer(200, updated.model_dump(mode="json"), changed=[*expired, updated])
        kept = events_crud.insert_action(conn, actor=f"{actor}:{actor_id}", key=key, booking_id=booking_id,
                                         action=action, request_hash=digest, status_code=answer.status_code,
                                         answer_json=json.dumps(answer.body, separators=(",", ":")), at=now)
        if not kept:
            raise _TwinAnswered  # roll our change back: the twin's answer is the one
    return answer


def act(conn: Connection, booking: BookingCreated, *, action: str, actor: str, actor_id: str, key: str,
        reason: str) -> Answer:
    """Take ``action`` on ``booking`` (already checked to be the actor's own) once per ``key``."""
    digest = request_hash(booking.id, action, reason)
    stored = events_crud.find_action(conn, f"{actor}:{actor_id}", key)
    if stored is not None:
        return _replay(stored, booking.id, action, digest)
    if reason_required(action, actor) and not reason:
        raise InvalidRequest([FieldError(field="reason", type="reason_required",
                                         message="Please say why: the other side reads it.")])
    for _ in range(TRIES):
        try:
            return _attempt(conn, booking.id, action=action, actor=actor, actor_id=actor_id, key=key,
                            reason=reason, digest=digest)
        except _Again:
            continue
        except (_TwinAnswered, *INTEGRITY_ERRORS):
            stored = events_crud.find_action(conn, f"{actor}:{actor_id}", key)
            if stored is None:
                raise
            return _replay(stored, booking.id, action, digest)
    raise RuntimeError(f"booking {booking.id} kept changing under {TRIES} attempts to {action} it")
