"""Wake-ups across processes sharing one PostgreSQL database: LISTEN/NOTIFY behind ``backend.core.notify``'s port.

``make_notifier(database)`` gives the in-process notifier on SQLite (one process) and a
``PostgresNotifier`` on PostgreSQL: ``publish`` is a NOTIFY on the shared database, and each process
keeps one LISTEN connection that wakes its own subscriptions; it reconnects by itself, and after a
reconnect wakes every waiter (what was sent meanwhile is lost).

Example::

    notifier = make_notifier(database)
    notifier.bind(asyncio.get_running_loop())          # at startup: starts listening
    notifier.publish("conversation:s1")                 # this process now, the others via NOTIFY
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time

from backend.core.notify import InProcessNotifier
from backend.db.engine import Database

log = logging.getLogger(__name__)


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


def make_notifier(database: Database) -> InProcessNotifier:
    """The notifier the database's engine needs (several processes share only the database)."""
    if database.several_processes:
        return PostgresNotifier(database.url)
    return InProcessNotifier()
