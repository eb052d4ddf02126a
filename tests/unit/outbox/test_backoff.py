"""Backoff: full jitter under an exponential ceiling capped at 5 minutes; Retry-After as seconds or a date."""

import pytest

from app.outbox.backoff import CAP_S, RETRY_AFTER_MAX_S, backoff_delay, parse_retry_after, retry_delay

NOW_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


@pytest.mark.parametrize(("attempt", "ceiling"), [(0, 1), (1, 2), (2, 4), (5, 32), (8, 256), (9, 300), (20, 300)])
def test_the_ceiling_doubles_per_attempt_up_to_five_minutes(attempt: int, ceiling: float) -> None:
    assert backoff_delay(attempt, random=lambda: 0.0) == 0.0
    assert backoff_delay(attempt, random=lambda: 0.5) == ceiling / 2
    almost_one = 0.999999
    assert backoff_delay(attempt, random=lambda: almost_one) == pytest.approx(ceiling * almost_one)


def test_the_delay_never_exceeds_the_cap_whatever_the_random_draw() -> None:
    draws = iter([i / 100 for i in range(100)])
    delays = [backoff_delay(12, random=lambda: next(draws)) for _ in range(100)]
    assert max(delays) < CAP_S
    assert min(delays) == 0.0


def test_an_entry_failing_for_days_does_not_overflow() -> None:
    assert backoff_delay(100_000, random=lambda: 0.5) == CAP_S / 2


def test_retry_after_in_seconds() -> None:
    assert parse_retry_after("120", NOW_MS) == 120.0
    assert parse_retry_after(" 7 ", NOW_MS) == 7.0


def test_retry_after_as_http_date_counts_from_now() -> None:
    assert parse_retry_after("Thu, 01 Jan 2026 00:02:00 GMT", NOW_MS) == 120.0


def test_retry_after_date_in_the_past_means_now() -> None:
    assert parse_retry_after("Wed, 31 Dec 2025 23:00:00 GMT", NOW_MS) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5", "Thu, 99 Foo 2026"])
def test_unreadable_retry_after_is_ignored(value: str | None) -> None:
    assert parse_retry_after(value, NOW_MS) is None


def test_an_absurd_retry_after_is_bounded() -> None:
    assert parse_retry_after("99999999", NOW_MS) == RETRY_AFTER_MAX_S
    assert parse_retry_after("Fri, 01 Jan 2100 00:00:00 GMT", NOW_MS) == RETRY_AFTER_MAX_S


def test_retry_delay_waits_at_least_what_the_server_asked() -> None:
    assert retry_delay(0, 30.0, random=lambda: 0.5) == 30.0
    assert retry_delay(9, 30.0, random=lambda: 0.5) == 150.0  # the backoff is longer: keep it
    assert retry_delay(3, None, random=lambda: 0.5) == 4.0
