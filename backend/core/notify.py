"""Wake-ups for long polls: a small port, an in-process and a PostgreSQL implementation, and the poll loop.

A topic is a string (``conversation:<session_id>``, ``therapist:<therapist_id>``). Writers
``publish`` a topic after they commit; a long poll ``subscribe``s *before* it queries the
database, so a publish that lands between its query and its wait is never lost (the
subscription remembers it). A wake-up carries no data: the waiter always re-queries the
database, so an implementation only has to deliver "something changed on this topic", and a
spurious wake-up costs one query, never a wrong answer.

    InProcessNotifier     one process (SQLite): subscriptions on the event loop
    PostgresNotifier      several processes on one PostgreSQL database (``backend.db.notify``)

``backend.db.notify.make_notifier(database)`` picks the one the database's engine needs.

Example::

    notifier = InProcessNotifier()
    notifier.bind(asyncio.get_running_loop())          # at startup
    with notifier.subscribe("conversation:s1") as subscription:
        ...query...
        await subscription.wait(5.0)                     # True when woken, False on timeout
    notifier.publish("conversation:s1")                 # from any thread

    page = await long_poll(notifier, ["conversation:s1"], fetch, has_news, wait=10)
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol, TypeVar

from starlette.concurrency import run_in_threadpool

T = TypeVar("T")
log = logging.getLogger(__name__)


def conversation_topic(session_id: str) -> str:
    return f"conversation:{session_id}"


def therapist_topic(therapist_id: str) -> str:
    return f"therapist:{therapist_id}"


class Subscription:
    """Remembers that one of its topics was published since the last ``wait``."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def _wake(self) -> None:
        self._event.set()

    async def wait(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            return False
        self._event.clear()
        return True


class Notifier(Protocol):
    """The port: what the routes need from any implementation (in-process, PostgreSQL, ...)."""

    def subscribe(self, *topics: str) -> AbstractContextManager[Subscription]: ...

    def publish(self, topic: str) -> None: ...


class InProcessNotifier:
    """Subscriptions live on the event loop; ``publish`` may be called from worker threads."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._topics: dict[str, set[Subscription]] = {}
        self._lock = threading.Lock()  # bind() vs publish() from a worker thread

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            self._loop = loop

    @contextmanager
    def subscribe(self, *topics: str) -> Iterator[Subscription]:
        """Only on the event loop's thread (inside an ``async def`` route)."""
        subscription = Subscription()
        for topic in topics:
            self._topics.setdefault(topic, set()).add(subscription)
        try:
            yield subscription
        finally:
            for topic in topics:
                waiting = self._topics.get(topic)
                if waiting is not None:
                    waiting.discard(subscription)
                    if not waiting:
                        del self._topics[topic]

    def publish(self, topic: str) -> None:
        with self._lock:
            loop = self._loop
        if loop is None or loop.is_closed():
            return  # not serving (a CLI, or shutting down): nobody can be waiting
        loop.call_soon_threadsafe(self._wake_all, topic)

    def _wake_all(self, topic: str) -> None:
        for subscription in list(self._topics.get(topic, ())):
            subscription._wake()

    def _wake_everyone(self) -> None:
        for waiting in list(self._topics.values()):
            for subscription in list(waiting):
                subscription._wake()

    def wake_everyone(self) -> None:
        """From any thread: every waiter re-queries (after wake-ups may have been missed)."""
        with self._lock:
            loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake_everyone)

    def close(self) -> None:
        with self._lock:
            self._loop = None


async def long_poll(notifier: Notifier, topics: Iterable[str], fetch: Callable[[], T],
                    has_news: Callable[[T], bool], wait: float, *,
                    gone: Callable[[], Awaitable[object]] | None = None) -> T:
    """Run ``fetch`` (blocking DB work) in the thread pool until it has news or ``wait`` s pass.

    Waiting is an ``await`` on the subscription, never a parked thread, so hundreds of polls
    cost a few coroutines, not the thread pool. ``gone`` resolves when the client hung up
    (``backend.api.deps.client_gone``): the poll ends then, instead of holding its subscription
    (and keeping a stopping server waiting) for the rest of ``wait``.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    watcher = asyncio.ensure_future(gone()) if gone is not None and wait > 0 else None
    waiting: asyncio.Future[bool] | None = None
    try:
        with notifier.subscribe(*topics) as subscription:
            while True:
                result = await run_in_threadpool(fetch)
                remaining = deadline - loop.time()
                if remaining <= 0 or has_news(result) or (watcher is not None and watcher.done()):
                    return result
                if watcher is None:
                    await subscription.wait(remaining)
                    continue
                waiting = asyncio.ensure_future(subscription.wait(remaining))
                await asyncio.wait((waiting, watcher), return_when=asyncio.FIRST_COMPLETED)
                if not waiting.done():  # the client is gone: nobody will read a fresher answer
                    return result
    finally:
        # Cancelled too when this poll itself is (a stopping server cuts it): nothing left running.
        for task in (waiting, watcher):
            if task is not None and not task.done():
                task.cancel()
        if watcher is not None and watcher.done() and not watcher.cancelled():
            watcher.exception()  # a receive that failed counts as gone; read, so it is never "unretrieved"
