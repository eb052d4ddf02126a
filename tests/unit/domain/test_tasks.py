"""spawn keeps its tasks until they end and hands every failure to the reporters, once."""

from __future__ import annotations

import asyncio
import gc

from app.domain.tasks import on_failure, running, spawn


def test_a_spawned_task_is_kept_until_it_ends_even_with_nobody_holding_it() -> None:
    done: list[str] = []

    async def work() -> None:
        await asyncio.sleep(0.01)
        done.append("done")

    async def scenario() -> None:
        spawn(work())
        gc.collect()
        assert running() == 1
        await asyncio.sleep(0.05)

    asyncio.run(scenario())
    assert done == ["done"] and running() == 0


def test_a_failure_reaches_every_reporter_and_a_cancellation_none() -> None:
    reported: list[str] = []
    stop = on_failure(reported.append)

    async def fails() -> None:
        raise ValueError("the server said no")

    async def scenario() -> None:
        spawn(fails())
        slow = spawn(asyncio.sleep(10))
        await asyncio.sleep(0)
        slow.cancel()
        await asyncio.sleep(0.01)

    try:
        asyncio.run(scenario())
    finally:
        stop()
    assert reported == ["ValueError: the server said no"]
