"""A rate-limit window starts at its bucket's first hit, not at a wall-clock boundary, so a sequence of
hits counts the same whatever second it starts in; both stores agree; the database store counts in
one statement and commits without the durable wait a booking pays (both engines)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from backend.db.engine import Database
from backend.services.ratelimit import DatabaseRateLimiter, MemoryRateLimiter, RateLimiter


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "database"])
def store(request: pytest.FixtureRequest, database: Database) -> Iterator[tuple[RateLimiter, Clock]]:
    clock = Clock(1_000_119.5)  # half a second before a minute boundary
    if request.param == "memory":
        yield MemoryRateLimiter(clock), clock
        return
    limiter = DatabaseRateLimiter(database, clock)
    yield limiter, clock
    limiter.close()


def test_a_window_starts_at_the_first_hit_and_spans_a_minute_boundary(store: tuple[RateLimiter, Clock]) -> None:
    limiter, clock = store
    assert [limiter.hit("write:a", 3, 60) for _ in range(3)] == [None, None, None]
    clock.now += 1.0  # past the wall-clock minute: still the same window
    wait = limiter.hit("write:a", 3, 60)
    assert wait == pytest.approx(59.0, abs=0.01)
    assert limiter.peek("write:a", 3, 60) == pytest.approx(59.0, abs=0.01)
    clock.now += 59.0  # the window that began at the first hit is over
    assert limiter.peek("write:a", 3, 60) is None
    assert limiter.hit("write:a", 3, 60) is None
    assert limiter.hit("write:b", 3, 60) is None  # buckets never share a count


def test_hit_unless_over_counts_until_the_limit_then_only_refuses(store: tuple[RateLimiter, Clock]) -> None:
    limiter, clock = store
    assert [limiter.hit_unless_over("write:c", 2, 60) for _ in range(2)] == [None, None]
    for _ in range(5):  # refused with a read: the count stays at the limit
        assert limiter.hit_unless_over("write:c", 2, 60) == pytest.approx(60.0, abs=0.01)
    assert limiter.hit_unless_over("write:c", 3, 60) is None  # the refusals counted nothing: 2 + 1 ≤ 3
    clock.now += 60.0  # the window is over: the count starts again from 1
    assert limiter.hit_unless_over("write:c", 2, 60) is None
    assert limiter.hit_unless_over("write:c", 2, 60) is None
    assert limiter.hit_unless_over("write:c", 2, 60) is not None


def test_peeking_counts_nothing(store: tuple[RateLimiter, Clock]) -> None:
    limiter, _clock = store
    for _ in range(10):
        assert limiter.peek("auth:a", 1, 60) is None
    assert limiter.hit("auth:a", 1, 60) is None
    assert limiter.peek("auth:a", 1, 60) is not None


def test_database_counters_commit_without_the_durable_wait(database: Database) -> None:
    limiter = DatabaseRateLimiter(database)
    try:
        limiter.hit("write:x", 5, 60)
        with limiter._engine.connect() as conn:  # noqa: SLF001 - the store's own connections
            if database.engine == "sqlite":
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
            else:
                assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "off"
        with database.connection() as conn:
            assert conn.execute(text("SELECT hits FROM rate_limits WHERE bucket = 'write:x'")).scalar() == 1
    finally:
        limiter.close()


def test_a_counter_that_fails_raises_sqlalchemys_error_classified_as_a_bug(database: Database) -> None:
    """The counters skip SQLAlchemy's Connection (``driver_cursor``) but not its errors: a broken query
    is a ``DBAPIError`` that ``is_unavailable`` calls a bug (500), not a busy database (503)."""
    from sqlalchemy.exc import DBAPIError

    from backend.db.errors import is_unavailable

    limiter = DatabaseRateLimiter(database)
    try:
        assert limiter.hit("write:y", 5, 60) is None
        with database.connection() as conn:
            conn.execute(text("DROP TABLE rate_limits"))
        with pytest.raises(DBAPIError) as caught:
            limiter.hit("write:y", 5, 60)
        assert not is_unavailable(caught.value)
        assert "rate_limits" in str(caught.value)
    finally:
        limiter.close()
