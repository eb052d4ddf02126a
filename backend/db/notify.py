"""Wake-ups across processes sharing one PostgreSQL database: LISTEN/NOTIFY behind ``backend.core.notify``'s port.

Sending: a write that others must hear of calls ``announce(conn, topics)`` inside its own
transaction: ``pg_notify`` there is delivered when (and only if) the transaction commits, with no
queue, thread or connection of ours in between (on SQLite, one process, it does nothing).

Listening: ``PostgresNotifier`` keeps one asyncio task per process on one ``AsyncConnection``
(never one of the pool): LISTEN, then ``notifies()`` wakes this process's subscriptions. Whatever
goes wrong in it (the server gone, a bug) is logged and the task reconnects, with a backoff from
0.2 s to 5 s; after each reconnect every waiter is woken, since what was sent meanwhile is lost. An
idle connection is pinged every 5 s, so a silent drop is found. ``publish`` wakes this process's
waiters at once (the NOTIFY then wakes them a second time, which costs one query).

Example::

    notifier = make_notifier(database)
    notifier.bind(asyncio.get_running_loop())          # at startup: the listening task starts
    with transaction(conn):
        ...write...
        announce(conn, ["conversation:s1"])            # the other processes, on commit
    notifier.publish("conversation:s1")                 # this process, now
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from sqlalchemy import Connection, text

from backend.core.notify import InProcessNotifier
from backend.db.engine import Database

log = logging.getLogger(__name__)
CHANNEL = "chatbooking"
_NOTIFY = text("SELECT pg_notify(:channel, topic) FROM unnest(CAST(:topics AS text[])) AS topic")


def announce(conn: Connection, topics: Iterable[str]) -> None:
    """Inside the writing transaction: tell the other processes once it commits (PostgreSQL only)."""
    if conn.dialect.name == "postgresql":
        conn.execute(_NOTIFY, {"channel": CHANNEL, "topics": list(dict.fromkeys(topics))})


class PostgresNotifier(InProcessNotifier):
    """This process's subscriptions, woken by its own writes at once and by the others' via LISTEN."""

    CHANNEL = CHANNEL
    PING_S = 5.0          # an idle LISTEN connection is checked this often (a silent drop is found)
    RETRY_MAX_S = 5.0     # reconnection backoff: 0.2 s, doubling, at most this

    def __init__(self, url: str) -> None:
        super().__init__()
        self._url = url
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()  # set while the LISTEN connection is up

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        super().bind(loop)
        if self._task is None:
            self._task = loop.create_task(self._listen_forever(), name="pg-listen")

    def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        super().close()

    async def _listen_forever(self) -> None:
        import psycopg

        delay = 0.2
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                        self._url, autocommit=True, connect_timeout=5,
                        application_name="chatbooking-listen") as conn:
                    await conn.execute(f"LISTEN {self.CHANNEL}")
                    self.listening.set()
                    self._wake_everyone()  # whatever was published while we were not listening
                    delay = 0.2
                    while True:
                        async for note in conn.notifies(timeout=self.PING_S):
                            self._wake_all(note.payload)
                        await conn.execute("SELECT 1")  # raises if the server is gone
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - whatever it is, keep listening
                if self.listening.is_set():
                    log.warning("lost the LISTEN connection (%s); reconnecting", exc)
                else:
                    log.debug("cannot LISTEN yet: %s", exc)
                self.listening.clear()
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.RETRY_MAX_S)


def make_notifier(database: Database) -> InProcessNotifier:
    """The notifier the database's engine needs (several processes share only the database)."""
    if database.several_processes:
        return PostgresNotifier(database.url)
    return InProcessNotifier()
