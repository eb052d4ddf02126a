"""The transition table: every status × every action × every actor, the next status or refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app.domain.lifecycle import (
    ACTIONS,
    ACTORS,
    FINAL,
    STATUSES,
    Refused,
    allowed_actions,
    next_status,
    reason_required,
)

NOW = datetime(2026, 12, 9, 6, 0, tzinfo=timezone.utc)
FUTURE = NOW + timedelta(hours=3)
PAST = NOW - timedelta(hours=1)

EXPECTED = {
    ("requested", "accept", "therapist"): "confirmed",
    ("requested", "decline", "therapist"): "declined",
    ("requested", "expire", "system"): "expired",
    ("requested", "cancel", "customer"): "cancelled",
    ("confirmed", "cancel", "customer"): "cancelled",
    ("confirmed", "cancel", "therapist"): "cancelled",
}


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("actor", ACTORS)
def test_every_status_action_and_actor_before_the_start(status: str, action: str, actor: str) -> None:
    expected = EXPECTED.get((status, action, actor))
    if expected is None:
        with pytest.raises(Refused) as refused:
            next_status(status, action, actor, now=NOW, starts_at=FUTURE)
        assert refused.value.status == status
    else:
        assert next_status(status, action, actor, now=NOW, starts_at=FUTURE) == expected


def test_a_confirmed_booking_is_completed_by_the_therapist_only_after_its_start() -> None:
    assert next_status("confirmed", "complete", "therapist", now=NOW, starts_at=PAST) == "completed"
    with pytest.raises(Refused, match="not started"):
        next_status("confirmed", "complete", "therapist", now=NOW, starts_at=FUTURE)
    with pytest.raises(Refused):
        next_status("confirmed", "complete", "customer", now=NOW, starts_at=PAST)


def test_a_confirmed_booking_cannot_be_cancelled_once_it_started() -> None:
    for actor in ("customer", "therapist"):
        with pytest.raises(Refused, match="started"):
            next_status("confirmed", "cancel", actor, now=NOW, starts_at=PAST)


def test_a_booking_without_a_time_may_be_cancelled_or_completed() -> None:
    assert next_status("confirmed", "cancel", "customer", now=NOW, starts_at=None) == "cancelled"
    assert next_status("confirmed", "complete", "therapist", now=NOW, starts_at=None) == "completed"


@pytest.mark.parametrize("status", sorted(FINAL))
def test_nothing_leaves_a_final_status(status: str) -> None:
    for actor in ACTORS:
        assert allowed_actions(status, actor, now=NOW, starts_at=PAST) == ()
        assert allowed_actions(status, actor, now=NOW, starts_at=FUTURE) == ()


def test_the_buttons_each_side_is_offered() -> None:
    assert allowed_actions("requested", "therapist", now=NOW, starts_at=FUTURE) == ("accept", "decline")
    assert allowed_actions("requested", "customer", now=NOW, starts_at=FUTURE) == ("cancel",)
    assert allowed_actions("confirmed", "therapist", now=NOW, starts_at=FUTURE) == ("cancel",)
    assert allowed_actions("confirmed", "therapist", now=NOW, starts_at=PAST) == ("complete",)
    assert allowed_actions("confirmed", "customer", now=NOW, starts_at=PAST) == ()


def test_the_therapist_says_why_when_declining_or_cancelling() -> None:
    assert reason_required("decline", "therapist")
    assert reason_required("cancel", "therapist")
    assert not reason_required("cancel", "customer")
    assert not reason_required("accept", "therapist")
