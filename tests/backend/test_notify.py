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
            return await subscription.wait(30)

    started = time.monotonic()
    assert asyncio.run(scenario()) is True
    assert time.monotonic() - started < 10  # a forgotten publish waits the full 30 s


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
        result = await long_poll(notifier, ["t"], lambda: state["value"], lambda v: v > 0, wait=30)
        return result, time.monotonic() - started

    result, took = asyncio.run(scenario())
    assert result == 1 and took < 10  # not woken: the poll would end at its 30 s wait, empty


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
    assert woken is False and took >= 0.25  # not woken by "b": its own 0.3 s timeout ended the wait


def test_publishing_while_not_serving_is_a_no_op() -> None:
    notifier = InProcessNotifier()
    # The CLI writes with no loop: nothing to wake, and the write it announces must not fail.
    assert notifier.publish("t") is None
    # A worker thread finishing a write while the server shuts down: the loop is already closed
    # (call_soon_threadsafe would raise "Event loop is closed").
    loop = asyncio.new_event_loop()
    notifier.bind(loop)
    loop.close()
    assert notifier.publish("t") is None


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
                return await subscription.wait(30), publish_took
        finally:
            notifier.close()

    woken, publish_took = asyncio.run(scenario())
    # Woken by its own process, not by the unreachable database (that wait would last 30 s); a
    # publish that waited for the database would take its connect timeout, seconds, not this.
    assert woken is True and publish_took < 1
