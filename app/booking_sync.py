"""Sends each booking to the backend exactly once, however often the network drops: ``BookingSync``.

A booking goes into the outbox (``app.outbox``) with an Idempotency-Key that every retry
reuses, then is POSTed to ``{api_base}/bookings``. What the answer does:

====================  =====================================================================
2xx                   CONFIRMED: removed from the outbox, ``on_confirmed`` called, the
                      confirmation kept per session (shown again after a reload)
400 / 422             REJECTED: removed (the draft is untouched), field errors as sentences
409                   CONFLICT: kept, not retried on its own; ``submit`` again sends it
no response, 408,     QUEUED: kept, retried with backoff (``app.backoff``) for as long as it
429, 5xx              takes; ``Retry-After`` is honoured
anything else (3xx,   QUEUED for ``MAX_UNEXPECTED_ATTEMPTS`` attempts with backoff, then parked:
401, 403, 404, ...)   a captive portal or a deploy may pass, a wrong ``api_base`` will not, so
                      it waits for the next page load / online / visible / submit instead of
                      hammering the server every 5 minutes forever
====================  =====================================================================

Retries fire on the backoff timer (one armed at a time) and on ``retry_now()`` (browser
``online``, page visible) and ``resume()`` (page load). An explicit trigger skips the backoff
wait but never the server's ``Retry-After``. A tab sends an entry only while it holds its
lease (``lease_owner``/``lease_until`` on the stored entry), so two tabs do not send the same
booking at once; the idempotency key keeps even that race harmless.

Example::

    sync = BookingSync(storage, transport, scheduler, clock, on_confirmed=drafts.booking_confirmed)
    result = await sync.submit(session_id, request)
    if result:
        show_confirmation(result.created)
    else:
        show(result.message, result.errors)   # QUEUED / REJECTED / CONFLICT
"""

from __future__ import annotations

import asyncio
import json
import random as _random
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from urllib.parse import quote

import pydantic

from app.backoff import parse_retry_after, retry_delay
from app.errors import ChatBookingError, NetworkError
from app.models import BookingCreated, BookingRequest, LastBooking
from app.outbox import ConfirmationStore, EntryState, Outbox, OutboxEntry
from app.ports import Clock, HttpResponse, Scheduler, Storage, TimerHandle, Transport

# Longer than the transport's 15 s timeout, so a live sender never loses its lease mid-request,
# short enough that a tab closed mid-request delays the others by half a minute at most.
LEASE_MS = 30_000
MAX_UNEXPECTED_ATTEMPTS = 5

SENT_MESSAGE = "Your booking is confirmed."
OFFLINE_MESSAGE = "No connection right now. Your booking is saved and will be sent as soon as you are online."
BUSY_MESSAGE = "The booking service is busy. Your booking is saved and will be sent automatically."
WAIT_MESSAGE = "The booking service asked us to wait a little. Your booking is saved and will be sent."
OTHER_TAB_MESSAGE = "Your booking is being sent from another open tab."
UNEXPECTED_MESSAGE = ("We could not reach the booking service (it answered {status}). Your booking is saved "
                      "and will be sent when you come back to this page.")
REJECTED_MESSAGE = "The booking was not accepted. Please check the details and send it again."
REJECTED_FALLBACK = "The booking service did not accept these details."
CONFLICT_MESSAGE = ("This booking clashes with one the booking service already has, so it was not sent again. "
                    "Nothing is lost: you can send it again or ask the therapist in the chat.")
CHANGED_AFTER_SEND_MESSAGE = ("An earlier version of this booking may already have reached the therapist, so "
                              "the changed one was not sent. Please check with the therapist in the chat.")
MEMORY_ONLY_NOTE = " Keep this page open until it is sent."

# The labels the form shows, so a server error reads like the page.
FIELD_LABELS = {"customer_name": "Your name", "customer_whatsapp": "WhatsApp number", "duration": "Duration",
                "price": "Price", "location_type": "Location", "massage_for": "Massage for",
                "therapist_id": "Therapist"}


class SyncStatus(str, Enum):
    CONFIRMED = "confirmed"  # the server stored the booking; ``created`` holds its answer
    QUEUED = "queued"  # kept on this device and sent again later (timer, online, page load)
    REJECTED = "rejected"  # 400/422: the server refused the data; ``errors`` say what to fix
    CONFLICT = "conflict"  # 409 (or a reused key refused): kept, sent again only when asked
    INVALID = "invalid"  # the draft is incomplete: nothing was queued or sent; ``errors`` say what to fix


@dataclass(frozen=True)
class SyncResult:
    """What happened to one booking; truthy only when it is confirmed."""

    status: SyncStatus
    booking_id: str | None = None
    created: BookingCreated | None = None
    errors: list[str] = field(default_factory=list)
    message: str = ""
    idempotency_key: str | None = None
    # ``errors`` paired with the form field each is about (None: the booking as a whole), so the
    # page marks and focuses that field just as it does for its own validation errors.
    fields: list[tuple[str | None, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.status is SyncStatus.CONFIRMED


@dataclass(frozen=True)
class PendingInfo:
    """A session's booking still in the outbox, for "queued" / "sending" UI."""

    key: str
    state: EntryState
    attempts: int
    next_attempt_at: int | None  # epoch ms of the next automatic attempt; None when it waits for the customer
    last_error: str
    in_flight: bool  # a request for it is under way in this tab or (by lease) another


@dataclass(frozen=True)
class SyncSnapshot:
    """What a subscriber gets on every change."""

    is_syncing: bool
    queued: int
    persistent: bool
    problem: str | None


def api_url(api_base: str, path: str) -> str:
    """``api_url("./api/", "/bookings")`` → ``"./api/bookings"``: one slash between the parts."""
    return api_base.rstrip("/") + "/" + path.lstrip("/")


class BookingSync:
    def __init__(self, storage: Storage | None, transport: Transport, scheduler: Scheduler, clock: Clock, *,
                 api_base: str = "./api", random: Callable[[], float] = _random.random,
                 spawn: Callable[[Coroutine[Any, Any, Any]], Any] | None = None, owner_id: str | None = None,
                 on_confirmed: Callable[[str, BookingCreated], None] | None = None) -> None:
        self._outbox = Outbox(storage)
        self._confirmations = ConfirmationStore(storage)
        self._transport = transport
        self._scheduler = scheduler
        self._clock = clock
        self.api_base = api_base  # where bookings go; the page's config may change it
        self._random = random
        # Timer callbacks are plain functions; they start the async retry through this.
        self._spawn = spawn or asyncio.ensure_future
        self.owner_id = owner_id or uuid.uuid4().hex
        self.on_confirmed = on_confirmed
        self._in_flight: dict[str, asyncio.Future[SyncResult]] = {}
        self._timer: TimerHandle | None = None
        self._listeners: list[Callable[[SyncSnapshot], None]] = []

    # --- state for the page -------------------------------------------------------------

    @property
    def is_syncing(self) -> bool:
        return bool(self._in_flight)

    @property
    def persistent(self) -> bool:
        return self._outbox.persistent

    @property
    def problem(self) -> str | None:
        return self._outbox.problem

    def snapshot(self) -> SyncSnapshot:
        return SyncSnapshot(self.is_syncing, len(self._outbox.load()), self.persistent, self.problem)

    def subscribe(self, callback: Callable[[SyncSnapshot], None]) -> Callable[[], None]:
        self._listeners.append(callback)

        def unsubscribe() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)

        return unsubscribe

    def pending(self, session_id: str) -> PendingInfo | None:
        entry = self._outbox.for_session(session_id)
        if entry is None:
            return None
        waits = entry.state is not EntryState.QUEUED
        return PendingInfo(entry.key, entry.state, entry.attempts,
                           None if waits else max(entry.next_attempt_at, entry.not_before),
                           entry.last_error, entry.key in self._in_flight or self._leased_elsewhere(entry))

    def confirmation(self, session_id: str) -> BookingCreated | None:
        return self._confirmations.load(session_id)

    def clear_confirmation(self, session_id: str) -> None:
        self._confirmations.clear(session_id)

    def discard(self, session_id: str) -> bool:
        """Drop a session's queued booking (the customer gave up on it); False while it is being sent."""
        entry = self._outbox.for_session(session_id)
        if entry is None or entry.key in self._in_flight or self._leased_elsewhere(entry):
            return False
        def drop(entries: list[OutboxEntry]) -> None:
            entries[:] = [e for e in entries if e.key != entry.key]

        self._outbox.update(drop)
        self._rearm()
        self._notify()
        return True

    # --- sending ------------------------------------------------------------------------

    async def submit(self, session_id: str, request: BookingRequest) -> SyncResult:
        """Queue ``request`` for ``session_id`` (reusing an equal queued one) and send it now."""
        body = request.model_dump(mode="json")
        done = self._confirmations.load(session_id)
        if done is not None and done.booking.model_dump(mode="json") == body:
            return _confirmed(done)  # already booked: a late second click must not book it twice
        entry = self._outbox.update(lambda entries: self._enqueue(entries, session_id, body))
        return await self._send(entry)

    async def retry_now(self) -> list[SyncResult]:
        """Send every queued booking now (online, page visible), except where the server asked to wait."""
        return await self._send_due(explicit=True)

    async def resume(self) -> list[SyncResult]:
        """On page load: pick up the outbox a previous page left and send it."""
        self._notify()
        return await self.retry_now()

    def trigger(self) -> None:
        """``retry_now`` for plain (sync) event handlers."""
        self._spawn(self.retry_now())

    def _enqueue(self, entries: list[OutboxEntry], session_id: str, body: dict[str, Any]) -> OutboxEntry:
        current = next((e for e in entries if e.session_id == session_id), None)
        if current is not None and (current.body == body or current.maybe_delivered):
            if current.body != body:
                # An earlier POST may have booked the old body: a new key could book twice, so the
                # key stays and the server decides (books it, replays the original, or refuses).
                current.body, current.body_changed_after_send = body, True
            current.state = EntryState.QUEUED  # asked again: wakes a CONFLICT / GAVE_UP entry
            return current
        if current is not None:
            entries.remove(current)  # never sent: the changed booking simply replaces it
        entry = OutboxEntry(key=str(uuid.uuid4()), session_id=session_id, body=body,
                            created_at=self._clock.now_ms())
        entries.append(entry)
        return entry

    async def _send_due(self, *, explicit: bool) -> list[SyncResult]:
        results = []
        for entry in self._outbox.load():
            now = self._clock.now_ms()
            if (entry.key in self._in_flight or entry.state is EntryState.CONFLICT
                    or (entry.state is EntryState.GAVE_UP and not explicit)
                    or now < entry.not_before or (not explicit and now < entry.next_attempt_at)
                    or self._leased_elsewhere(entry)):
                continue
            results.append(await self._send(entry))
        self._rearm()
        return results

    async def _send(self, entry: OutboxEntry) -> SyncResult:
        running = self._in_flight.get(entry.key)
        if running is not None:  # a second click or trigger joins the request under way
            return await asyncio.shield(running)
        if self._clock.now_ms() < entry.not_before:
            return self._queued(entry, WAIT_MESSAGE)
        future: asyncio.Future[SyncResult] = asyncio.get_running_loop().create_future()
        self._in_flight[entry.key] = future
        self._notify()
        try:
            result = await self._attempt(entry)
        except BaseException:
            future.cancel()
            raise
        else:
            future.set_result(result)
        finally:
            del self._in_flight[entry.key]
            self._rearm()
            self._notify()
        return result

    async def _attempt(self, entry: OutboxEntry) -> SyncResult:
        claimed = self._claim(entry.key)
        if claimed is None:
            return self._not_claimed(entry)
        headers = {"Content-Type": "application/json", "Idempotency-Key": claimed.key}
        try:
            response = await self._transport.request("POST", api_url(self.api_base, "bookings"),
                                                     headers=headers, body=json.dumps(claimed.body))
        except NetworkError as error:
            return self._retry_later(claimed, f"no connection ({error})", None, OFFLINE_MESSAGE)
        except BaseException:
            self._finish(claimed, lambda e: None)  # release the lease, then let the bug surface
            raise
        return self._handle(claimed, response)

    def _handle(self, entry: OutboxEntry, response: HttpResponse) -> SyncResult:
        status = response.status
        if 200 <= status < 300:
            return self._confirm(entry, response)
        if status in (400, 409, 422) and entry.body_changed_after_send:
            return self._park(entry, f"server answered {status}", CHANGED_AFTER_SEND_MESSAGE, [])
        if status in (400, 422):
            self._finish(entry, None)
            fields = server_field_errors(response.text) or [(None, REJECTED_FALLBACK)]
            return SyncResult(SyncStatus.REJECTED, errors=[message for _, message in fields], fields=fields,
                              message=REJECTED_MESSAGE, idempotency_key=entry.key)
        if status == 409:
            return self._park(entry, "server answered 409", CONFLICT_MESSAGE, server_errors(response.text))
        retry_after = parse_retry_after(response.headers.get("retry-after"), self._clock.now_ms())
        if status in (408, 429) or 500 <= status < 600:
            return self._retry_later(entry, f"server answered {status}", retry_after,
                                     WAIT_MESSAGE if retry_after else BUSY_MESSAGE)
        if entry.attempts + 1 >= MAX_UNEXPECTED_ATTEMPTS:
            return self._park(entry, f"server answered {status}", UNEXPECTED_MESSAGE.format(status=status),
                              [], state=EntryState.GAVE_UP)
        return self._retry_later(entry, f"server answered {status}", retry_after,
                                 UNEXPECTED_MESSAGE.format(status=status))

    def _confirm(self, entry: OutboxEntry, response: HttpResponse) -> SyncResult:
        try:
            created = BookingCreated.model_validate_json(response.text)
        except pydantic.ValidationError:
            # The server said yes but its body is not what we expect: the booking exists all the
            # same, so confirm it from what we sent rather than sending it again.
            created = BookingCreated(id=_id_from(response.text) or entry.key, created_at=self._clock.now_ms(),
                                     booking=BookingRequest.model_validate(entry.body))
        self._finish(entry, None)
        self._confirmations.save(entry.session_id, created)
        if self.on_confirmed is not None:
            self.on_confirmed(entry.session_id, created)
        return _confirmed(created)

    def _retry_later(self, entry: OutboxEntry, error: str, retry_after_s: float | None,
                     message: str) -> SyncResult:
        now = self._clock.now_ms()

        def later(e: OutboxEntry) -> None:
            delay_s = retry_delay(e.attempts - 1, retry_after_s, random=self._random)
            e.state = EntryState.QUEUED
            e.next_attempt_at = now + round(delay_s * 1000)
            e.not_before = now + round(retry_after_s * 1000) if retry_after_s else 0
            e.last_error = error

        self._finish(entry, later)
        return self._queued(entry, message)

    def _park(self, entry: OutboxEntry, error: str, message: str, errors: list[str], *,
              state: EntryState = EntryState.CONFLICT) -> SyncResult:
        def park(e: OutboxEntry) -> None:
            e.state, e.last_error = state, error

        self._finish(entry, park)
        if state is EntryState.GAVE_UP:
            return self._queued(entry, message)
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
                # the same key twice is harmless; losing the booking is not.
                current = entry.model_copy()
                entries.append(current)
            current.attempts += 1
            current.lease_owner, current.lease_until = None, 0
            change(current)

        self._outbox.update(apply)

    # --- cross-tab lease ----------------------------------------------------------------

    def release_leases(self) -> None:
        """The page is going away (``pagehide``): hand our leases back so another tab, or this
        page after a reload, can send at once instead of waiting ``LEASE_MS`` for them to expire.
        A request still in flight dies with the page; its key makes a resend harmless."""
        def release(entries: list[OutboxEntry]) -> bool:
            mine = [e for e in entries if e.lease_owner == self.owner_id]
            for entry in mine:
                entry.lease_owner, entry.lease_until = None, 0
            return bool(mine)

        if any(e.lease_owner == self.owner_id for e in self._outbox.load()):
            self._outbox.update(release)

    def _leased_elsewhere(self, entry: OutboxEntry) -> bool:
        return entry.lease_owner not in (None, self.owner_id) and entry.lease_until > self._clock.now_ms()

    def _claim(self, key: str) -> OutboxEntry | None:
        """Write our lease on the entry, read it back, and hand it over only if the lease is still ours."""
        def take(entries: list[OutboxEntry]) -> bool:
            current = next((e for e in entries if e.key == key), None)
            if current is None or current.state is EntryState.CONFLICT or self._leased_elsewhere(current):
                return False
            current.lease_owner, current.lease_until = self.owner_id, self._clock.now_ms() + LEASE_MS
            current.maybe_delivered = True  # from here on, the POST may reach the server
            return True

        if not self._outbox.update(take):
            return None
        current = self._outbox.find(key)
        return current if current is not None and current.lease_owner == self.owner_id else None

    def _not_claimed(self, entry: OutboxEntry) -> SyncResult:
        current = self._outbox.find(entry.key)
        if current is None:  # finished elsewhere
            done = self._confirmations.load(entry.session_id)
            if done is not None:
                return _confirmed(done)
            return SyncResult(SyncStatus.REJECTED, message="This booking was handled in another open tab.",
                              idempotency_key=entry.key)
        if current.state is EntryState.CONFLICT:
            return SyncResult(SyncStatus.CONFLICT, message=CONFLICT_MESSAGE, idempotency_key=entry.key)
        return self._queued(current, OTHER_TAB_MESSAGE)

    # --- timer and listeners ------------------------------------------------------------

    def _rearm(self) -> None:
        """Arm one timer for the earliest automatic attempt (cancelling the previous one)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        due = [max(e.next_attempt_at, e.not_before, e.lease_until if self._leased_elsewhere(e) else 0)
               for e in self._outbox.load()
               if e.state is EntryState.QUEUED and e.key not in self._in_flight]
        if due:
            delay_s = max(0, min(due) - self._clock.now_ms()) / 1000
            self._timer = self._scheduler.call_later(delay_s, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._spawn(self._send_due(explicit=False))

    def _notify(self) -> None:
        if not self._listeners:
            return
        snapshot = self.snapshot()
        for callback in list(self._listeners):
            callback(snapshot)

    def _queued(self, entry: OutboxEntry, message: str) -> SyncResult:
        note = "" if self.persistent else MEMORY_ONLY_NOTE
        return SyncResult(SyncStatus.QUEUED, message=message + note, idempotency_key=entry.key)

    # --- prefill ------------------------------------------------------------------------

    async def fetch_last_booking(self, customer_id: str) -> LastBooking | None:
        """The customer's last booking for prefilling, or None (offline, 404, any error); never raises."""
        url = api_url(self.api_base, "bookings/last") + "?customer_id=" + quote(customer_id, safe="")
        try:
            response = await self._transport.request("GET", url, headers={"Accept": "application/json"})
        except ChatBookingError:
            return None  # prefill is a convenience: no answer just means empty fields
        if response.status != 200:
            return None
        try:
            data = json.loads(response.text)
            return None if data is None else LastBooking.model_validate(data)
        except ValueError:  # bad JSON, or pydantic.ValidationError (a ValueError)
            return None


def _confirmed(created: BookingCreated) -> SyncResult:
    return SyncResult(SyncStatus.CONFIRMED, booking_id=created.id, created=created, message=SENT_MESSAGE)


def _id_from(text: str) -> str | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None


def server_errors(text: str) -> list[str]:
    """Sentences from a 400/422 body, in either shape the backend may use::

        {"detail": [{"loc": ["body", "customer_name"], "msg": "..."}]}          # FastAPI's default
        {"detail": "...", "errors": [{"field": "customer_name", "message": "..."}]}
    """
    return [message for _, message in server_field_errors(text)]


def server_field_errors(text: str) -> list[tuple[str | None, str]]:
    """``server_errors``, each sentence paired with the field it is about (None when it names none)."""
    try:
        payload = json.loads(text)
    except ValueError:
        return []
    if not isinstance(payload, dict):
        return []
    fields = [_field_sentence(item.get("field"), item.get("message"))
              for item in payload.get("errors") or [] if isinstance(item, dict)]
    detail = payload.get("detail")
    if isinstance(detail, list):
        for item in detail:
            if isinstance(item, dict):
                names = [part for part in item.get("loc") or [] if isinstance(part, str) and part != "body"]
                fields.append(_field_sentence(names[-1] if names else None, item.get("msg")))
    elif isinstance(detail, str) and not fields:  # a summary only counts when nothing finer came
        fields.append((None, detail.strip()))
    return [(name, message) for name, message in fields if message]


def _field_sentence(field_name: object, message: object) -> tuple[str | None, str]:
    text = str(message or "").strip().removeprefix("Value error, ")
    if not text or not isinstance(field_name, str) or not field_name:
        return None, text
    name = field_name.rsplit(".", 1)[-1]  # the backend may name a nested field "booking.price"
    label = FIELD_LABELS.get(name) or name.replace("_", " ").capitalize()
    return name, f"{label}: {text}"
