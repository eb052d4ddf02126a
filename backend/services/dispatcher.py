"""The dispatcher: every API process delivers the due rows of the notifications outbox.

One asyncio task per process (started in the app's lifespan) looks for due rows every
``NOTIFY_POLL`` seconds, and at once when this process (or, on PostgreSQL, another one) enqueued
something (the notifier's ``notifications`` topic). Each channel (webhook, push) has its own pool
of ``NOTIFY_CONCURRENCY`` threads; a claim takes at most as many rows as that channel has free
threads, so a receiver that never answers ties up its own channel's threads for at most
``NOTIFY_WEBHOOK_TIMEOUT`` each, never the event loop, the requests' thread pool, or the other
channel. Claims run on one thread of their own.

    claim (crud.notifications.claim)   FOR UPDATE SKIP LOCKED on PostgreSQL: no row to two processes
    deliver (webhook.post / webpush.send)          off the event loop, with a timeout
    record                             delivered | retry at now + backoff | failed after
                                       NOTIFY_MAX_ATTEMPTS | dropped (read meanwhile, subscription gone)

Backoff: ``NOTIFY_RETRY_BASE * 4**(attempt-1)``, +-20 % jitter (a Retry-After longer than that
wins): 15 s, 1 min, 4 min, 16 min, 1 h, 4.3 h, 17 h -- eight attempts over about a day.
Rows that ended are deleted two weeks later (their payloads hold names and snippets).
Delivery is at least once: a process killed after a receiver's 2xx but before recording it
delivers that row again after the lease (``id`` is the same: receivers dedupe on it).

Example::

    dispatcher = Dispatcher(database, settings, notifier)
    dispatcher.start(asyncio.get_running_loop())     # lifespan start
    await dispatcher.stop()                           # lifespan end
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from concurrent.futures import Future, ThreadPoolExecutor

import httpx

from backend.core.clock import now_ms
from backend.core.config import Settings
from backend.core.notify import Notifier
from backend.crud import notifications as crud
from backend.db.engine import Database, transaction
from backend.services import webhook, webpush
from backend.services.notifications import TOPIC
from backend.services.webpush import Outcome

log = logging.getLogger(__name__)
FACTOR = 4.0
JITTER = 0.2
MAX_DELAY_S = 24 * 3600
KEEP_FINISHED_S = 14 * 24 * 3600   # ended rows (and their payloads) are deleted after two weeks
PURGE_EVERY_S = 3600


def backoff_s(attempts: int, base: float, retry_after: float | None = None) -> float:
    """Seconds before the next try after ``attempts`` failed ones."""
    delay = base * FACTOR ** max(attempts - 1, 0) * random.uniform(1 - JITTER, 1 + JITTER)
    return min(max(delay, retry_after or 0.0), MAX_DELAY_S)


class Dispatcher:
    def __init__(self, database: Database, settings: Settings, notifier: Notifier) -> None:
        self.database = database
        self.settings = settings
        self.notifier = notifier
        self.channels = [name for name, on in (("webhook", settings.notify_webhook_url is not None),
                                               ("push", settings.push_enabled)) if on]
        size = settings.notify_concurrency
        self._pools = {c: ThreadPoolExecutor(size, thread_name_prefix=f"notify-{c}") for c in self.channels}
        self._claimer = ThreadPoolExecutor(1, thread_name_prefix="notify-claim")
        self._in_flight = dict.fromkeys(self.channels, 0)
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
        self._clients = {c: httpx.Client(timeout=settings.notify_webhook_timeout, follow_redirects=False,
                                         limits=limits) for c in self.channels}
        self._tasks: list[asyncio.Task[None]] = []
        self._kick: asyncio.Event | None = None
        self.lease_ms = int((2 * settings.notify_webhook_timeout + 30) * 1000)
        self._purged_at = 0.0

    # -- the loop --------------------------------------------------------------------------------

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        if not self.channels or self._tasks:
            return  # nothing to deliver on: no task at all
        self._kick = asyncio.Event()
        self._tasks = [loop.create_task(self._run(), name="notify-dispatch"),
                       loop.create_task(self._listen(), name="notify-listen")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for pool in [*self._pools.values(), self._claimer]:
            pool.shutdown(wait=False, cancel_futures=True)
        for client in self._clients.values():
            client.close()

    async def _listen(self) -> None:
        with self.notifier.subscribe(TOPIC) as subscription:
            while True:
                if await subscription.wait(3600.0):
                    assert self._kick is not None
                    self._kick.set()

    async def _run(self) -> None:
        assert self._kick is not None
        while True:
            more = False
            try:
                more = await self._round()
            except Exception:  # the database away, a bug: logged, and the next round tries again
                log.exception("notifications: a dispatch round failed")
            if more:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), self.settings.notify_poll)
            self._kick.clear()

    async def _round(self) -> bool:
        """Claim and start deliveries on every channel; True when a channel may have more due now."""
        loop = asyncio.get_running_loop()
        more = False
        for channel in self.channels:
            free = self.settings.notify_concurrency - self._in_flight[channel]
            if free <= 0:
                continue
            rows = await loop.run_in_executor(self._claimer, self._claim, channel, free)
            for row in rows:
                self._in_flight[channel] += 1
                future = self._pools[channel].submit(self._deliver, row)
                future.add_done_callback(lambda _f, c=channel: loop.call_soon_threadsafe(self._finished, c))
            more = more or len(rows) == free
        return more

    def _finished(self, channel: str) -> None:
        self._in_flight[channel] -= 1
        if self._kick is not None:
            self._kick.set()  # a thread is free: look again (there may be more due)

    # -- in threads ------------------------------------------------------------------------------

    def _claim(self, channel: str, limit: int) -> list[crud.Claimed]:
        now = now_ms()
        with self.database.connection() as conn:
            if now - self._purged_at > PURGE_EVERY_S * 1000:
                self._purged_at = now
                with transaction(conn):
                    crud.purge_finished(conn, now - KEEP_FINISHED_S * 1000)
            with transaction(conn):
                return crud.claim(conn, channel, limit=limit, now=now, lease_ms=self.lease_ms)

    def _deliver(self, row: crud.Claimed) -> None:
        try:
            outcome = self._attempt(row)
        except Exception as exc:  # a bug or a library error: retried like a failed delivery, and logged
            log.exception("notifications: delivering %s failed", row.id)
            outcome = Outcome("retry", f"{type(exc).__name__}: {exc}"[:300])
        try:
            self._record(row, outcome)
        except Exception:  # the database away: the lease runs out and the row is tried again
            log.exception("notifications: recording the outcome of %s failed", row.id)

    def _attempt(self, row: crud.Claimed) -> Outcome:
        body = row.payload.encode()
        if row.channel == "webhook":
            return webhook.post(self.settings, body, self._clients["webhook"])
        with self.database.connection() as conn:
            subscription = crud.get_subscription(conn, row.endpoint or "")
        if subscription is None:
            return Outcome("gone", "the subscription was deleted before it was sent")
        return webpush.send(subscription, body, self.settings, self._clients["push"])

    def _record(self, row: crud.Claimed, outcome: Outcome) -> None:
        now = now_ms()
        with self.database.connection() as conn, transaction(conn):
            if outcome.kind == "delivered":
                crud.finish_delivered(conn, row.id, row.attempts, now)
            elif outcome.kind == "gone":
                if row.endpoint:
                    crud.delete_subscription(conn, row.endpoint)
                crud.finish_ended(conn, row.id, row.attempts, now, "dropped", outcome.detail)
            elif outcome.kind == "refused" or row.attempts >= self.settings.notify_max_attempts:
                crud.finish_ended(conn, row.id, row.attempts, now, "failed", outcome.detail)
            else:
                delay = backoff_s(row.attempts, self.settings.notify_retry_base, outcome.retry_after)
                crud.finish_retry(conn, row.id, row.attempts, now + int(delay * 1000), outcome.detail)
        if outcome.kind != "delivered":
            log.info("notifications: %s %s (attempt %d): %s", row.id, outcome.kind, row.attempts, outcome.detail)

