"""Wake-ups for long polls: a small port, an in-process and a PostgreSQL implementation, and the poll loop.

A topic is a string (``conversation:<session_id>``, ``therapist:<therapist_id>``). Writers
``publish`` a topic after they commit; a long poll ``subscribe``s *before* it queries the
database, so a publish that lands between its query and its wait is never lost (the
subscription remembers it). A wake-up carries no data: the waiter always re-queries the
database, so an implementation only has to deliver "something changed on this topic", and a
spurious wake-up costs one query, never a wrong answer.

    InProcessNotifier     one process (SQLite): subscriptions on the event loop
    PostgresNotifier      several processes on one PostgreSQL database: ``publish`` is a NOTIFY
                          on the shared database, and each process keeps one LISTEN connection
                          (a thread) that wakes its own subscriptions; it reconnects by itself,
                          and after a reconnect wakes every waiter (what was sent meanwhile is lost)

``make_notifier(database)`` picks the one the database's engine needs.

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
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Protocol, TypeVar

from starlette.concurrency import run_in_threadpool

if TYPE_CHECKING:
    from backend.db.engine import Database

T = TypeVar("T")
log = logging.getLogger(__name__)


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


class PostgresNotifier(InProcessNotifier):
    """Wake-ups across processes through PostgreSQL's LISTEN/NOTIFY on one channel.

    ``publish`` wakes this process's waiters at once and queues a NOTIFY for the others; it never
    blocks and never fails (it is called after a commit, whose 2xx must not depend on it). Two
    threads, each with a connection of its own (never one of the pool, which the request that
    publishes may be holding): the sender sends queued NOTIFYs, the listener LISTENs and wakes
    this process's subscriptions. Both reconnect by themselves; a NOTIFY that cannot be sent is
    dropped with a warning, and after the listener reconnects every waiter is woken (what was
    sent meanwhile is lost); the waiters' own deadlines bound the damage either way. The threads
    start with ``bind`` and stop with ``close``.
    """

    CHANNEL = "chatbooking"
    PING_S = 5.0          # an idle LISTEN connection is checked this often (a silent drop is found)
    RETRY_MAX_S = 5.0     # reconnection backoff: 0.2 s, doubling, at most this
    _STOP = object()

    def __init__(self, url: str) -> None:
        super().__init__()
        self._url = url
        self._stopping = threading.Event()
        self.listening = threading.Event()  # set while the LISTEN connection is up
        self._outbox: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        super().bind(loop)
        if not self._threads:
            self._stopping.clear()
            self._threads = [threading.Thread(target=self._listen_forever, name="pg-listen", daemon=True),
                             threading.Thread(target=self._send_forever, name="pg-notify", daemon=True)]
            for thread in self._threads:
                thread.start()

    def publish(self, topic: str) -> None:
        super().publish(topic)  # this process's waiters: no round trip needed
        self._outbox.put(topic)

    def close(self) -> None:
        self._stopping.set()
        self._outbox.put(self._STOP)
        threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(timeout=self.PING_S + 2)
        super().close()

    def _connect(self, name: str):  # noqa: ANN202 - psycopg is imported lazily
        import psycopg

        return psycopg.connect(self._url, autocommit=True, connect_timeout=5, application_name=name)

    def _send_forever(self) -> None:
        import psycopg

        conn = None
        delay = 0.2
        while True:
            topics = [self._outbox.get()]
            while not self._outbox.empty():  # everything queued meanwhile, in one round trip
                topics.append(self._outbox.get())
            if self._STOP in topics:
                break
            try:
                conn = conn if conn is not None and not conn.closed else self._connect("chatbooking-notify")
                conn.execute("SELECT pg_notify(%s, topic) FROM unnest(%s::text[]) AS topic",
                             (self.CHANNEL, list(dict.fromkeys(topics))))
                delay = 0.2
            except psycopg.Error as exc:
                log.warning("wake-ups %s not sent to the other processes: %s",
                            sorted(set(map(str, topics))), exc)
                if conn is not None:
                    conn.close()
                conn = None
                if self._stopping.wait(delay):
                    break
                delay = min(delay * 2, self.RETRY_MAX_S)
        if conn is not None:
            conn.close()

    def _listen_forever(self) -> None:
        import psycopg

        delay = 0.2
        while not self._stopping.is_set():
            try:
                with self._connect("chatbooking-listen") as conn:
                    conn.execute(f"LISTEN {self.CHANNEL}")
                    self.listening.set()
                    self.wake_everyone()  # whatever was published while we were not listening
                    delay = 0.2
                    self._deliver(conn)
            except psycopg.Error as exc:
                if self._stopping.is_set():
                    break
                if self.listening.is_set():
                    log.warning("lost the LISTEN connection (%s); reconnecting", exc)
                self.listening.clear()
                self._stopping.wait(delay)
                delay = min(delay * 2, self.RETRY_MAX_S)
        self.listening.clear()

    def _deliver(self, conn: object) -> None:
        last_seen = time.monotonic()
        while not self._stopping.is_set():
            for note in conn.notifies(timeout=0.2):  # type: ignore[attr-defined]
                InProcessNotifier.publish(self, note.payload)
                last_seen = time.monotonic()
            if time.monotonic() - last_seen > self.PING_S:
                conn.execute("")  # type: ignore[attr-defined]  # raises if the server is gone
                last_seen = time.monotonic()


def make_notifier(database: Database) -> InProcessNotifier:
    """The notifier the database's engine needs (several processes share only the database)."""
    if database.several_processes:
        return PostgresNotifier(database.url)  # type: ignore[attr-defined]
    return InProcessNotifier()


async def long_poll(notifier: Notifier, topics: Iterable[str], fetch: Callable[[], T],
                    has_news: Callable[[T], bool], wait: float) -> T:
    """Run ``fetch`` (blocking DB work) in the thread pool until it has news or ``wait`` s pass.

    Waiting is an ``await`` on the subscription, never a parked thread, so hundreds of polls
    cost a few coroutines, not the thread pool.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    with notifier.subscribe(*topics) as subscription:
        while True:
            result = await run_in_threadpool(fetch)
            remaining = deadline - loop.time()
            if remaining <= 0 or has_news(result):
                return result
            await subscription.wait(remaining)
