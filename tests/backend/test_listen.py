"""The PostgreSQL listener is one asyncio task that never ends by itself: whatever breaks it, it
reconnects and wakes its waiters; a write's NOTIFY is sent with its commit (PostgreSQL only)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import psycopg
import pytest

from backend.db.notify import CHANNEL, PostgresNotifier
from tests.backend.conftest import Location


@pytest.fixture
def url(new_database: Callable[[], Location], engine: str) -> str:
    if engine != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    return str(new_database())


def _notify(url: str, topic: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, topic))


def test_the_listener_survives_any_failure_and_a_dropped_connection(url: str) -> None:
    async def scenario() -> list[bool]:
        notifier = PostgresNotifier(url)
        failures = 1
        wake = notifier._wake_all  # noqa: SLF001 - plant one failure that is not a psycopg.Error

        def failing_once(topic: str) -> None:
            nonlocal failures
            if failures:
                failures -= 1
                raise RuntimeError("a bug while waking")
            wake(topic)

        notifier._wake_all = failing_once  # type: ignore[method-assign]
        notifier.bind(asyncio.get_running_loop())
        results = []
        try:
            await asyncio.wait_for(notifier.listening.wait(), 10)
            with notifier.subscribe("t") as subscription:
                await asyncio.to_thread(_notify, url, "t")  # hits the planted failure
                results.append(await subscription.wait(10))   # woken anyway, after the reconnect
                await asyncio.wait_for(notifier.listening.wait(), 10)
                await subscription.wait(0.3)                   # drain the reconnect's wake-everyone
                await asyncio.to_thread(_notify, url, "t")
                results.append(await subscription.wait(10))
                # The server drops the LISTEN connection: the task reconnects by itself.
                await asyncio.to_thread(lambda: psycopg.connect(url, autocommit=True).execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = 'chatbooking-listen'"))
                await asyncio.sleep(0.5)
                await asyncio.wait_for(notifier.listening.wait(), 10)
                await subscription.wait(0.3)
                await asyncio.to_thread(_notify, url, "t")
                results.append(await subscription.wait(10))
        finally:
            notifier.close()
        return results

    assert asyncio.run(scenario()) == [True, True, True]
