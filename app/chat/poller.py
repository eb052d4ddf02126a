"""Ask the server again and again for what is new: one long poll at a time, with backoff.

``Poller`` sends ``GET <path>?after=<cursor>&wait=<s>`` and hands every 200 answer to
``on_answer``, which returns the next cursor. The server holds each request until something is
newer than the cursor (or ``wait`` ends), so an open, visible page hears of a reply within a
second or so, and costs the server one waiting request, not a stream of them.

- ``resume()`` starts polling (page load, visible, ``online``); a poll already waiting is left
  alone, a backoff wait is cut short.
- ``pause()`` stops after the request under way (page hidden): no new request is started, so a
  hidden tab does not hold a connection open; ``resume()`` on the next visible catches up from
  the cursor, so nothing is missed and nothing comes twice. ``stop()`` (a ``stoppable`` poller:
  the inbox's closed conversation) also ends the request under way.
- No answer, 408/429/5xx: wait with full-jitter backoff (``Retry-After`` honoured), then again.
- 401/403: ``on_denied(status)``, then stop: a token the server refuses will not get better by
  asking again.

Example::

    poller = Poller(transport, scheduler, path="./api/conversations/s1/messages",
                    on_answer=lambda data: conversation.merge(data), cursor=None)
    poller.resume()
"""

from __future__ import annotations

import json
import random as _random
from collections.abc import Callable, Coroutine
from enum import Enum
from typing import Any
from urllib.parse import quote

from app.domain import tasks
from app.domain.errors import NetworkError
from app.domain.ports import Cancel, Clock, HttpResponse, Scheduler, TimerHandle, Transport
from app.outbox.backoff import parse_retry_after, retry_delay

WAIT_S = 25.0  # below the server's 30 s cap and most proxies' idle timeouts
TIMEOUT_MARGIN_S = 10.0  # the request may take ``wait`` plus this before we call it lost
BACKOFF_CAP_S = 30.0  # polling is for live replies: never wait longer than this between tries
BACKOFF_MIN_S = 1.0  # full jitter may draw ~0: a dead server must not be asked in a tight loop


class PollState(Enum):
    STOPPED = "stopped"    # not polling (never started, paused, or denied)
    WAITING = "waiting"    # a request is out, held by the server until something is new
    BACKOFF = "backoff"    # the last request failed; a timer starts the next one
    DENIED = "denied"      # 401/403: the token was refused; only a new start tries again


class Poller:
    def __init__(self, transport: Transport, scheduler: Scheduler, clock: Clock, *, path: str,
                 on_answer: Callable[[dict[str, Any]], str | None], cursor: str | None = None,
                 headers: Callable[[], dict[str, str]] | None = None,
                 on_denied: Callable[[int], None] | None = None, wait_s: float = WAIT_S,
                 random: Callable[[], float] = _random.random,
                 spawn: Callable[[Coroutine[Any, Any, Any]], Any] | None = None, stoppable: bool = False) -> None:
        self.transport, self.scheduler, self.clock = transport, scheduler, clock
        # stoppable: ``stop()`` may end the request under way (the transport must take ``cancel``).
        self.stoppable = stoppable
        self._cancel: Cancel | None = None
        self.path, self.cursor, self.wait_s = path, cursor, wait_s
        self.on_answer, self.on_denied = on_answer, on_denied
        self.headers = headers or dict
        self._random = random
        self._spawn = spawn or tasks.spawn
        self.state = PollState.STOPPED
        self.active = False
        self.failures = 0
        self.last_error: str | None = None
        self._timer: TimerHandle | None = None
        self._running = False

    # --- control ----------------------------------------------------------------------------

    def resume(self) -> None:
        """Poll from now on; a backoff wait is cut short, a request under way is left to finish."""
        self.active = True
        if self.state is PollState.DENIED:
            self.state = PollState.STOPPED
        self._cancel_timer()
        if not self._running:
            self._spawn(self.run())

    def pause(self) -> None:
        """Start no new request (the one under way finishes and is merged)."""
        self.active = False
        self._cancel_timer()
        if not self._running:
            self.state = PollState.STOPPED

    def stop(self) -> None:
        """``pause()``, and end the request under way now (a stoppable poller only): its answer is of no
        use, and the connection it holds is one of the six a browser keeps to the server."""
        self.pause()
        if self._cancel is not None:
            self._cancel.cancel()

    def url(self, wait_s: float | None) -> str:
        query = []
        if self.cursor:
            query.append("after=" + quote(self.cursor, safe=""))
        if wait_s:
            query.append(f"wait={wait_s:g}")
        return self.path + ("?" + "&".join(query) if query else "")

    # --- the loop ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Poll while active; one loop at a time (a second call returns at once)."""
        if self._running:
            return
        self._running = True
        try:
            while self.active:
                delay = await self.poll_once()
                if delay is None:
                    continue
                if self.active and self.state is PollState.BACKOFF:
                    self._timer = self.scheduler.call_later(delay, self._on_timer)
                break
        finally:
            self._running = False
            if not self.active and self.state is not PollState.DENIED:
                self.state = PollState.STOPPED

    async def poll_once(self, wait_s: float | None = None) -> float | None:
        """One request; None when the next may follow at once, else the seconds to wait first."""
        wait = self.wait_s if wait_s is None else wait_s
        self.state = PollState.WAITING
        headers = {"Accept": "application/json", **self.headers()}
        cancel = self._cancel = Cancel() if self.stoppable else None
        try:
            if cancel is None:
                response = await self.transport.request("GET", self.url(wait), headers=headers,
                                                        timeout_s=wait + TIMEOUT_MARGIN_S)
            else:
                response = await self.transport.request("GET", self.url(wait), headers=headers,
                                                        timeout_s=wait + TIMEOUT_MARGIN_S, cancel=cancel)
        except NetworkError as error:
            if cancel is not None and cancel.cancelled:
                return None  # stopped on purpose: not a failure, and nothing follows (paused)
            return self._failed(f"no connection ({error})", None)
        finally:
            self._cancel = None
        if response.status == 200:
            return self._answered(response)
        if response.status in (401, 403):
            self.state, self.active = PollState.DENIED, False
            self.last_error = f"server answered {response.status}"
            if self.on_denied is not None:
                self.on_denied(response.status)
            return None
        retry_after = parse_retry_after(response.headers.get("retry-after"), self.clock.now_ms())
        return self._failed(f"server answered {response.status}", retry_after)

    def _answered(self, response: HttpResponse) -> float | None:
        try:
            data = json.loads(response.text)
            if not isinstance(data, dict):
                raise ValueError("not an object")
        except ValueError:
            return self._failed("the server's answer was not readable", None)
        cursor = self.on_answer(data)
        if cursor is not None:
            self.cursor = cursor
        self.failures, self.last_error = 0, None
        return None

    def _failed(self, error: str, retry_after_s: float | None) -> float:
        self.failures += 1
        self.last_error = error
        self.state = PollState.BACKOFF
        delay = min(retry_delay(self.failures - 1, None, random=self._random), BACKOFF_CAP_S)
        return max(delay, BACKOFF_MIN_S, retry_after_s or 0.0)

    def _on_timer(self) -> None:
        self._timer = None
        if self.active:
            self._spawn(self.run())

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
