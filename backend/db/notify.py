"""Wake-ups across processes sharing one PostgreSQL database: LISTEN/NOTIFY behind ``backend.core.notify``'s port.

``PostgresNotifier`` runs two asyncio tasks per process, each on an ``AsyncConnection`` of its own
(never one of the pool): the listener LISTENs and wakes this process's subscriptions from
``notifies()``; the sender sends the topics published since its last round trip, all in one
``pg_notify`` statement. ``publish`` (called after a commit, from any thread) wakes this process's
waiters at once and adds the topic to a set the sender drains: it never blocks, never fails, and
holds each topic once however often it is published, so nothing grows while the database is away.
Keeping NOTIFY off the request's own transaction keeps the writes fast: PostgreSQL serialises the
commits of transactions that NOTIFY.

Whatever goes wrong in a task (the server gone, a bug) is logged and the task reconnects, with a
backoff from 0.2 s to 5 s; after the listener reconnects every waiter is woken, since what was sent
meanwhile is lost. An idle LISTEN connection is pinged every 5 s, so a silent drop is found.

Example::

    notifier = make_notifier(database)
    notifier.bind(asyncio.get_running_loop())          # at startup: the two tasks start
    notifier.publish("conversation:s1")                 # this process now, the others within a round trip
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from backend.core.notify import InProcessNotifier
from backend.db.engine import Database

log = logging.getLogger(__name__)
CHANNEL = "chatbooking"


class PostgresNotifier(InProcessNotifier):
    """This process's subscriptions, woken by its own writes at once and by the others' via LISTEN."""

    CHANNEL = CHANNEL
    PING_S = 5.0          # an idle LISTEN connection is checked this often (a silent drop is found)
    RETRY_MAX_S = 5.0     # reconnection backoff: 0.2 s, doubling, at most this

    def __init__(self, url: str) -> None:
        super().__init__()
        self._url = url
        self._tasks: list[asyncio.Task[None]] = []
        self._outgoing: set[str] = set()    # topics to NOTIFY; touched on the loop's thread only
        self._has_outgoing = asyncio.Event()
        self.listening = asyncio.Event()    # set while the LISTEN connection is up

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        super().bind(loop)
        if not self._tasks:
            self._tasks = [loop.create_task(self._forever("listen", self._listen), name="pg-listen"),
                           loop.create_task(self._forever("notify", self._send), name="pg-notify")]

    def publish(self, topic: str) -> None:
        super().publish(topic)  # this process's waiters: no round trip needed
        with self._lock:
            loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._queue, topic)

    def _queue(self, topic: str) -> None:
        self._outgoing.add(topic)
        self._has_outgoing.set()

    def close(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        super().close()

    async def _connect(self, name: str) -> Any:
        import psycopg

        return await psycopg.AsyncConnection.connect(self._url, autocommit=True, connect_timeout=5,
                                                     application_name=f"chatbooking-{name}")

    async def _forever(self, name: str, run: Callable[[Any], Awaitable[None]]) -> None:
        delay = 0.2
        while True:
            up = False
            try:
                async with await self._connect(name) as conn:
                    up, delay = True, 0.2
                    await run(conn)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - whatever it is, keep going
                (log.warning if up else log.debug)("PostgreSQL %s connection: %s; reconnecting", name, exc)
            if name == "listen":
                self.listening.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.RETRY_MAX_S)

    async def _listen(self, conn: Any) -> None:
        await conn.execute(f"LISTEN {self.CHANNEL}")
        self.listening.set()
        self._wake_everyone()  # whatever was published while we were not listening
        while True:
            async for note in conn.notifies(timeout=self.PING_S):
                self._wake_all(note.payload)
            await conn.execute("SELECT 1")  # raises if the server is gone

    async def _send(self, conn: Any) -> None:
        while True:
            await self._has_outgoing.wait()
            topics, self._outgoing = sorted(self._outgoing), set()
            self._has_outgoing.clear()
            try:
                await conn.execute("SELECT pg_notify(%s, topic) FROM unnest(%s::text[]) AS topic",
                                   (self.CHANNEL, topics))
            except BaseException:
                self._queue_all(topics)  # sent after the reconnect (late beats never)
                raise

    def _queue_all(self, topics: list[str]) -> None:
        for topic in topics:
            self._queue(topic)


def make_notifier(database: Database) -> InProcessNotifier:
    """The notifier the database's engine needs (several processes share only the database)."""
    if database.several_processes:
        return PostgresNotifier(database.url)
    return InProcessNotifier()
