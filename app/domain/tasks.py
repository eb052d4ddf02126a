"""Fire-and-forget coroutines that are never lost: ``spawn`` keeps each task until it ends and reports
its failure to whoever listens (the page shows it), instead of "Task exception was never retrieved".

asyncio keeps only a weak reference to a task: one nobody holds may be collected mid-flight, and its
exception is printed to the console at some later collection, if ever. Every fire-and-forget call
of the app goes through ``spawn``.

Example::

    stop = on_failure(lambda text: view.notice(text))   # once, at boot
    spawn(sync.resume())                                 # kept until done; a failure reaches the notice
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

Reporter = Callable[[str], None]

_running: set[asyncio.Future[Any]] = set()
_reporters: list[Reporter] = []


def spawn(awaitable: Awaitable[Any]) -> asyncio.Future[Any]:
    """Run ``awaitable`` on the loop, keep it until it ends, report its exception if it fails."""
    task = asyncio.ensure_future(awaitable)
    _running.add(task)
    task.add_done_callback(_finished)
    return task


def on_failure(reporter: Reporter) -> Callable[[], None]:
    """Call ``reporter(text)`` for every spawned task that fails; returns a function that stops it."""
    _reporters.append(reporter)
    return lambda: _reporters.remove(reporter) if reporter in _reporters else None


def running() -> int:
    """Spawned tasks not finished yet."""
    return len(_running)


def _finished(task: asyncio.Future[Any]) -> None:
    _running.discard(task)
    if task.cancelled():
        return
    error = task.exception()  # retrieved: asyncio will not complain about it later
    if error is None:
        return
    text = f"{type(error).__name__}: {error}"
    if not _reporters:
        print(f"background task failed: {text}")  # the console, at least, and at once
    for reporter in list(_reporters):
        try:
            reporter(text)
        except Exception as problem:  # noqa: BLE001 - a broken reporter must not hide the others
            print(f"reporting a failed task failed too: {problem!r}")
