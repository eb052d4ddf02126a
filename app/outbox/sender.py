"""Sends every outbox entry exactly once, however often the network drops: ``OutboxSender``.

One sender per page serves every kind of outgoing item (a booking, a chat message, a
therapist's reply). Each kind registers a ``Delivery``: where its entries go and what a 2xx
means for it. The sender owns what is the same for all of them:

- an entry is persisted (``app.outbox.store``) *before* it is sent, with a key every retry
  reuses (the Idempotency-Key; for a message, its own id);
- the answer is classified by ``app.outbox.responses``: delivered, rejected, conflict, retry,
  unexpected; retries back off with full jitter (``app.outbox.backoff``) and honour
  ``Retry-After``;
- retries fire on the backoff timer (one armed at a time), on ``retry_now()`` (browser
  ``online``, page visible) and ``resume()`` (page load); an explicit trigger skips the
  backoff wait but never the server's ``Retry-After``;
- a tab sends an entry only while it holds its Web Lock (``navigator.locks``, exclusive across
  the origin's tabs and truly atomic) *and* its lease (``app.outbox.lease``): the lease is the
  fallback where Web Locks are missing, and still shows other tabs who is sending.

Example::

    sender = OutboxSender(storage, transport, scheduler, clock, api_base="./api")
    bookings = BookingSync.attached(sender)        # app.outbox.bookings registers "booking"
    result = await bookings.submit(session_id, request)
"""

from __future__ import annotations

import asyncio
import json
import random as _random
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from app.domain import tasks
from app.domain.errors import NetworkError
from app.domain.ports import Clock, HttpResponse, Locks, Scheduler, Storage, TimerHandle, Transport
from app.domain.words import SendTexts
from app.outbox.backoff import parse_retry_after, retry_delay
from app.outbox.lease import Lease
from app.outbox.responses import Outcome, answered, classify, server_errors, server_field_errors
from app.outbox.results import Delivery, SyncResult, SyncSnapshot, SyncStatus
from app.outbox.store import EntryState, Outbox, OutboxEntry

MAX_UNEXPECTED_ATTEMPTS = 5
LOCK_PREFIX = "chatbooking:send:"  # one Web Lock per outbox entry: other entries still go out in parallel
# Held for a while by the tab that delivered an entry. Another tab's copy of localStorage can still show
# the entry for a few ms after the delivering tab removed it; the browser's lock table is the same for
# every tab at once, so the next holder of the send lock asks it before sending (and does not).
DONE_PREFIX = "chatbooking:sent:"
DONE_HOLD_MS = 10_000


def api_url(api_base: str, path: str) -> str:
    """``api_url("./api/", "/bookings")`` → ``"./api/bookings"``: one slash between the parts."""
    return api_base.rstrip("/") + "/" + path.lstrip("/")


class OutboxSender:
    def __init__(self, storage: Storage | None, transport: Transport, scheduler: Scheduler, clock: Clock, *,
                 api_base: str = "./api", random: Callable[[], float] = _random.random,
                 spawn: Callable[[Coroutine[Any, Any, Any]], Any] | None = None, owner_id: str | None = None,
                 credentials: Callable[[], dict[str, str]] | None = None, locks: Locks | None = None) -> None:
        self.storage = storage
        self.outbox = Outbox(storage)
        self.transport = transport
        self.clock = clock
        self._scheduler = scheduler
        self.api_base = api_base  # where items go; the page's config may change it
        self._random = random
        # Timer callbacks are plain functions; they start the async retry through this.
        self.spawn = spawn or tasks.spawn
        self.lease = Lease(self.outbox, clock, owner_id or uuid.uuid4().hex)
        # Headers proving who sends (e.g. the customer token), added to every request.
        self.credentials = credentials or dict
        self.locks = locks  # None: no Web Locks here (the lease alone keeps tabs apart)
        # Keys another tab delivered while this tab's copy of the outbox still showed them: not
        # tried again, nor timed, until storage catches up (milliseconds) or the page reloads.
        self._sent_elsewhere: set[str] = set()
        self._delivered_here: set[str] = set()
        self._deliveries: dict[str, Delivery] = {}
        self._in_flight: dict[str, asyncio.Future[SyncResult]] = {}
        self._timer: TimerHandle | None = None
        self._listeners: list[Callable[[SyncSnapshot], None]] = []

    @property
    def owner_id(self) -> str:
        return self.lease.owner_id

    def register(self, kind: str, delivery: Delivery) -> None:
        self._deliveries[kind] = delivery

    # --- state for the page -------------------------------------------------------------

    @property
    def is_syncing(self) -> bool:
        return bool(self._in_flight)

    @property
    def persistent(self) -> bool:
        return self.outbox.persistent

    @property
    def problem(self) -> str | None:
        return self.outbox.problem

    def snapshot(self) -> SyncSnapshot:
        return SyncSnapshot(self.is_syncing, len(self.outbox.load()), self.persistent, self.problem)

    def subscribe(self, callback: Callable[[SyncSnapshot], None]) -> Callable[[], None]:
        self._listeners.append(callback)

        def unsubscribe() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)

        return unsubscribe

    def busy(self, entry: OutboxEntry) -> bool:
        """True while a request for ``entry`` is under way in this tab or (by lease) another."""
        return entry.key in self._in_flight or self.lease.held_elsewhere(entry)

    def remove(self, key: str) -> bool:
        """Drop an entry (the person gave up on it); False while it is being sent."""
        entry = self.outbox.find(key)
        if entry is None or self.busy(entry):
            return False

        def drop(entries: list[OutboxEntry]) -> None:
            entries[:] = [e for e in entries if e.key != key]

        self.outbox.update(drop)
        self.rearm()
        self.notify()
        return True

    # --- sending ------------------------------------------------------------------------

    async def retry_now(self) -> list[SyncResult]:
        """Send every queued entry now (online, page visible), except where the server asked to wait."""
        return await self._send_due(explicit=True)

    async def resume(self) -> list[SyncResult]:
        """On page load: pick up the outbox a previous page left and send it."""
        self.notify()
        return await self.retry_now()

    def trigger(self) -> None:
        """``retry_now`` for plain (sync) event handlers."""
        self.spawn(self.retry_now())

    def release_leases(self) -> None:
        self.lease.release_all()

    async def _send_due(self, *, explicit: bool) -> list[SyncResult]:
        results = []
        for entry in self.outbox.load():
            now = self.clock.now_ms()
            if (entry.kind not in self._deliveries or entry.key in self._in_flight
                    or entry.key in self._sent_elsewhere
                    or entry.state is EntryState.CONFLICT
                    or (entry.state is EntryState.GAVE_UP and not explicit)
                    or now < entry.not_before or (not explicit and now < entry.next_attempt_at)
                    or self.lease.held_elsewhere(entry)):
                continue
            results.append(await self.send(entry))
        self.rearm()
        return results

    async def send(self, entry: OutboxEntry) -> SyncResult:
        running = self._in_flight.get(entry.key)
        if running is not None:  # a second click or trigger joins the request under way
            return await asyncio.shield(running)
        if self.clock.now_ms() < entry.not_before:
            return self.queued(entry, self._texts(entry).wait)
        future: asyncio.Future[SyncResult] = asyncio.get_running_loop().create_future()
        self._in_flight[entry.key] = future
        self.notify()
        try:
            result = await self._attempt(entry)
        except BaseException:
            future.cancel()
            raise
        else:
            future.set_result(result)
        finally:
            del self._in_flight[entry.key]
            self.rearm()
            self.notify()
        return result

    def _texts(self, entry: OutboxEntry) -> SendTexts:
        return self._deliveries[entry.kind].texts

    async def _attempt(self, entry: OutboxEntry) -> SyncResult:
        if self.locks is None:
            return await self._attempt_leased(entry)
        got, result = await self.locks.run_exclusive(LOCK_PREFIX + entry.key, lambda: self._attempt_locked(entry))
        return result if got else self._not_claimed(entry)

    async def _attempt_locked(self, entry: OutboxEntry) -> SyncResult:
        assert self.locks is not None
        if await self.locks.is_held(DONE_PREFIX + entry.key):
            self._sent_elsewhere.add(entry.key)
            return self._not_claimed(entry)
        result = await self._attempt_leased(entry)
        if entry.key in self._delivered_here:
            # Delivered: say so to the other tabs before this send lock is let go.
            self._delivered_here.discard(entry.key)
            await self.locks.hold(DONE_PREFIX + entry.key, DONE_HOLD_MS)
        return result

    async def _attempt_leased(self, entry: OutboxEntry) -> SyncResult:
        claimed = self.lease.claim(entry.key)
        if claimed is None:
            return self._not_claimed(entry)
        delivery = self._deliveries[claimed.kind]
        target = delivery.request(claimed)
        headers = {"Content-Type": "application/json", "Idempotency-Key": claimed.key,
                   **self.credentials(), **target.headers}
        try:
            response = await self.transport.request("POST", api_url(self.api_base, target.path),
                                                    headers=headers,
                                                    body=json.dumps(claimed.body if target.body is None
                                                                    else target.body))
        except NetworkError as error:
            return self._retry_later(claimed, f"no connection ({error})", None, delivery.texts.offline)
        except BaseException:
            self._finish(claimed, lambda e: None)  # release the lease, then let the bug surface
            raise
        return self._handle(claimed, delivery, response)

    def _handle(self, entry: OutboxEntry, delivery: Delivery, response: HttpResponse) -> SyncResult:
        status, texts = response.status, delivery.texts
        outcome = classify(status)
        if outcome is Outcome.DELIVERED:
            self._finish(entry, None)
            if self.locks is not None:
                self._delivered_here.add(entry.key)
            return delivery.delivered(entry, response)
        if outcome in (Outcome.REJECTED, Outcome.CONFLICT) and entry.body_changed_after_send:
            return self._park(entry, answered(status), texts.changed_after_send, [])
        if outcome is Outcome.REJECTED:
            self._finish(entry, None)
            fields = server_field_errors(response.text) or [(None, texts.rejected_fallback)]
            result = SyncResult(SyncStatus.REJECTED, errors=[message for _, message in fields], fields=fields,
                                message=texts.rejected, idempotency_key=entry.key)
            delivery.refused(entry, result)
            return result
        if outcome is Outcome.CONFLICT and hasattr(delivery, "conflicted"):
            self._finish(entry, None)  # a final answer for this kind: removed, the delivery keeps what it needs
            settled = delivery.conflicted(entry, response)
            if settled is not None:
                return settled
            # Not final after all (a booking's 409 that names no taken time): parked below, put back.
        if outcome is Outcome.CONFLICT:
            return self._park(entry, answered(409), texts.conflict, server_errors(response.text))
        retry_after = parse_retry_after(response.headers.get("retry-after"), self.clock.now_ms())
        if outcome is Outcome.RETRY:
            return self._retry_later(entry, answered(status), retry_after,
                                     texts.wait if retry_after else texts.busy)
        if entry.attempts + 1 >= MAX_UNEXPECTED_ATTEMPTS:
            return self._park(entry, answered(status), texts.unexpected.format(status=status),
                              [], state=EntryState.GAVE_UP)
        return self._retry_later(entry, answered(status), retry_after,
                                 texts.unexpected.format(status=status))

    def _retry_later(self, entry: OutboxEntry, error: str, retry_after_s: float | None,
                     message: str) -> SyncResult:
        now = self.clock.now_ms()

        def later(e: OutboxEntry) -> None:
            delay_s = retry_delay(e.attempts - 1, retry_after_s, random=self._random)
            e.state = EntryState.QUEUED
            e.next_attempt_at = now + round(delay_s * 1000)
            e.not_before = now + round(retry_after_s * 1000) if retry_after_s else 0
            e.last_error = error

        self._finish(entry, later)
        return self.queued(entry, message)

    def _park(self, entry: OutboxEntry, error: str, message: str, errors: list[str], *,
              state: EntryState = EntryState.CONFLICT) -> SyncResult:
        def park(e: OutboxEntry) -> None:
            e.state, e.last_error = state, error

        self._finish(entry, park)
        if state is EntryState.GAVE_UP:
            return self.queued(entry, message)
        return SyncResult(SyncStatus.CONFLICT, errors=errors, message=message, idempotency_key=entry.key)

    def _finish(self, entry: OutboxEntry, change: Callable[[OutboxEntry], None] | None) -> None:
        """Record one attempt: ``change`` the entry and release its lease, or remove it (change None)."""
        def apply(entries: list[OutboxEntry]) -> None:
            current = next((e for e in entries if e.key == entry.key), None)
            if change is None:
                if current is not None:
                    entries.remove(current)
                return
            if current is None:
                # Gone while we waited (storage cleared, a lease taken over): put it back. Sending
                # the same key twice is harmless; losing the item is not.
                current = entry.model_copy()
                entries.append(current)
            current.attempts += 1
            current.lease_owner, current.lease_until = None, 0
            change(current)

        self.outbox.update(apply)

    def _not_claimed(self, entry: OutboxEntry) -> SyncResult:
        texts = self._texts(entry)
        current = self.outbox.find(entry.key)
        if current is None:  # finished elsewhere
            return self._deliveries[entry.kind].finished_elsewhere(entry)
        if current.state is EntryState.CONFLICT:
            return SyncResult(SyncStatus.CONFLICT, message=texts.conflict, idempotency_key=entry.key)
        return self.queued(current, texts.other_tab)

    # --- timer and listeners ------------------------------------------------------------

    def rearm(self) -> None:
        """Arm one timer for the earliest automatic attempt (cancelling the previous one)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        due = [max(e.next_attempt_at, e.not_before, e.lease_until if self.lease.held_elsewhere(e) else 0)
               for e in self.outbox.load()
               if e.state is EntryState.QUEUED and e.key not in self._in_flight and e.kind in self._deliveries
               and e.key not in self._sent_elsewhere]
        if due:
            delay_s = max(0, min(due) - self.clock.now_ms()) / 1000
            self._timer = self._scheduler.call_later(delay_s, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self.spawn(self._send_due(explicit=False))

    def notify(self) -> None:
        if not self._listeners:
            return
        snapshot = self.snapshot()
        for callback in list(self._listeners):
            callback(snapshot)

    def queued(self, entry: OutboxEntry, message: str) -> SyncResult:
        note = "" if self.persistent else self._texts(entry).memory_only_note
        return SyncResult(SyncStatus.QUEUED, message=message + note, idempotency_key=entry.key)
