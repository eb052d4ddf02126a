"""The in-process Notifier: no wake-up is lost between a poll's query and its wait."""

from __future__ import annotations

import asyncio
import threading
import time

from backend.core.notify import InProcessNotifier, long_poll


def test_a_publish_before_the_wait_is_remembered_by_the_subscription() -> None:
    async def scenario() -> bool:
        notifier = InProcessNotifier()
        notifier.bind(asyncio.get_running_loop())
        with notifier.subscribe("t") as subscription:
            notifier.publish("t")          # lands "between the query and the wait"
            await asyncio.sleep(0)         # let call_soon_threadsafe deliver it
            return await subscription.wait(5)

    started = time.monotonic()
    assert asyncio.run(scenario()) is True
    assert time.monotonic() - started < 1


def test_a_publish_from_a_worker_thread_wakes_a_long_poll_which_re_queries() -> None:
    state = {"value": 0}

    async def scenario() -> tuple[int, float]:
        notifier = InProcessNotifier()
        notifier.bind(asyncio.get_running_loop())

        def writer() -> None:
            time.sleep(0.2)
            state["value"] = 1
            notifier.publish("t")

        threading.Thread(target=writer).start()
        started = time.monotonic()
        result = await long_poll(notifier, ["t"], lambda: state["value"], lambda v: v > 0, wait=5)
        return result, time.monotonic() - started

    result, took = asyncio.run(scenario())
    assert result == 1 and took < 1


def test_other_topics_do_not_wake_and_the_wait_ends_on_time() -> None:
    async def scenario() -> tuple[bool, float]:
        notifier = InProcessNotifier()
        notifier.bind(asyncio.get_running_loop())
        with notifier.subscribe("a") as subscription:
            notifier.publish("b")
            started = time.monotonic()
            woken = await subscription.wait(0.3)
            return woken, time.monotonic() - started

    woken, took = asyncio.run(scenario())
    assert woken is False and 0.25 <= took < 1


def test_publishing_before_the_server_runs_is_a_no_op() -> None:
    InProcessNotifier().publish("t")  # the CLI writes with no loop: nothing to wake, nothing raised


def test_the_postgres_notifier_wakes_its_own_process_at_once_even_with_the_database_unreachable() -> None:
    from backend.db.notify import PostgresNotifier
    from tests.support.server import free_port

    async def scenario() -> tuple[bool, float]:
        notifier = PostgresNotifier(f"postgresql://nobody@127.0.0.1:{free_port()}/nothing")
        notifier.bind(asyncio.get_running_loop())
        try:
            with notifier.subscribe("t") as subscription:
                started = time.monotonic()
                notifier.publish("t")  # never blocks, never raises: the write it announces is committed
                publish_took = time.monotonic() - started
                return await subscription.wait(5), publish_took
        finally:
            notifier.close()

    woken, publish_took = asyncio.run(scenario())
    assert woken is True and publish_took < 0.05
