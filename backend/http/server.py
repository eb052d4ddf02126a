"""The HTTP/1.1 server's own defences, below the app: uvicorn's h11 protocol with a read deadline,
a cap on buffered bytes and no ambiguous framing. ``python -m backend`` runs with it.

Why here and not in an ASGI middleware: the app only sees a request once its headers are parsed,
and h11 buffers (and uvicorn waits) before that.

    a socket that sends nothing, or half a request       closed ``read_timeout`` s after it began
    bytes piling up behind a request not yet answered    connection closed past ``max_buffered``
    Transfer-Encoding *and* Content-Length               400 + Connection: close (no smuggling)
    header block larger than ``max_header_bytes``        400 + close (h11's incomplete-event cap)
    more than ``max_connections`` connections or tasks   503 (uvicorn's ``limit_concurrency``)
    more than ``per_client`` connections from one peer   closed at once, before reading anything
                                                         (peers in TRUSTED_PROXIES are exempt)

Example::

    uvicorn.run(app, **uvicorn_options(settings))
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections import Counter
from typing import Any, ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from backend.core.addresses import bucket_of
from backend.core.config import Network, Settings
from backend.http.nodelay import nodelay

MAX_HEADER_BYTES = 16 * 1024
READ_CHUNK = 64 * 1024
GRACEFUL_SHUTDOWN_S = 5


class _StrictConnection(h11.Connection):
    """h11, refusing a request whose body length could be read two ways (RFC 9112 §6.3: a server
    MAY reject it, and must close after; a proxy in front might use the other length)."""

    def next_event(self) -> Any:
        event = super().next_event()
        if isinstance(event, h11.Request):
            names = {name.lower() for name, _ in event.headers}
            if b"transfer-encoding" in names and b"content-length" in names:
                # uvicorn answers a RemoteProtocolError with 400 + Connection: close, then closes.
                raise h11.RemoteProtocolError("Both Transfer-Encoding and Content-Length")
        return event


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for reading each request and a cap on buffered bytes."""

    read_timeout: ClassVar[float] = 10.0
    max_buffered: ClassVar[int] = 64 * 1024
    per_client: ClassVar[int] = 64
    trusted: ClassVar[tuple[Network, ...]] = ()
    # Open connections per peer address; one event loop per process, so no lock is needed.
    open_per_peer: ClassVar[Counter[str]] = Counter()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conn = _StrictConnection(h11.SERVER, self.config.h11_max_incomplete_event_size
                                      or MAX_HEADER_BYTES)
        self._deadline: asyncio.TimerHandle | None = None
        self._peer: str | None = None

    # A deadline runs from a connection's first moment, and from the first byte of each next request,
    # until that request (headers and body) is complete. Waiting for the *response* is not counted:
    # a long poll holds a request 30 s after reading it.
    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.read_timeout, self._timed_out)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _timed_out(self) -> None:
        self._deadline = None
        # No 400/408: h11 cannot answer a request it has not read, and a half-read body means the
        # app is mid-request; closing tells the app (http.disconnect) and frees the socket.
        if not self.transport.is_closing():
            self.transport.close()

    def _buffered(self) -> int:
        buffer = getattr(self.conn, "_receive_buffer", None)  # h11 keeps no public size
        return len(buffer) if buffer is not None else len(self.conn.trailing_data[0])

    def _request_read(self) -> bool:
        return self.conn.their_state in (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        nodelay(transport)
        super().connection_made(transport)
        # asyncio reads up to 256 KiB per recv(); a request is at most 16 KiB of headers + 16 KiB of
        # body, so smaller reads bound what one connection can hold before we look at it.
        if isinstance(getattr(transport, "max_size", None), int):
            transport.max_size = READ_CHUNK  # type: ignore[attr-defined]
        address = self.client[0] if self.client else None
        peer = bucket_of(address) if address is not None else None  # an IPv6 client is its /64
        if peer is not None and address is not None and not _trusted(address, self.trusted):
            if self.open_per_peer[peer] >= self.per_client:
                transport.abort()  # one address holding this many sockets is a flood, not a customer
                return
            self._peer = peer
            self.open_per_peer[peer] += 1
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._peer is not None:
            self.open_per_peer[self._peer] -= 1
            if self.open_per_peer[self._peer] <= 0:
                del self.open_per_peer[self._peer]
            self._peer = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and not self._request_read():
            self._arm()  # the first byte of a new request on a kept-alive connection
        super().data_received(data)
        if self.transport.is_closing():
            return
        if self._request_read():
            self._disarm()
            # Whatever arrives now waits behind an unanswered request (pipelining, or a flood); h11
            # does not count it against its limit while paused, so we do: stop reading, answer the
            # request, then close. (Closing at once would let the client start its next request
            # while this one still runs: a flood of tasks instead of a flood of bytes.)
            if self._buffered() > self.max_buffered:
                self.flow.pause_reading()
                if self.cycle is not None and not self.cycle.response_complete:
                    self.cycle.keep_alive = False
                else:
                    self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self._buffered() and not self._request_read():
            self._arm()  # a pipelined request was partly buffered: it gets a deadline too

    def timeout_keep_alive_handler(self) -> None:
        self._disarm()
        super().timeout_keep_alive_handler()


def _trusted(peer: str, networks: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in network for network in networks)


# What each worker process of ``--workers`` imports: a worker cannot be handed a class made in the
# parent, so it builds the same configured protocol from its own environment (PEP 562 below).
WORKER_PROTOCOL = "backend.http.server:WorkerH11Protocol"


def __getattr__(name: str) -> Any:
    if name == "WorkerH11Protocol":
        return protocol_for(Settings())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def protocol_for(settings: Settings) -> type[GuardedH11Protocol]:
    return type("ConfiguredH11Protocol", (GuardedH11Protocol,), {
        "read_timeout": settings.request_read_timeout, "max_buffered": settings.max_buffered_bytes,
        "per_client": settings.max_connections_per_client, "trusted": settings.proxy_networks})


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    return {
        "host": settings.host, "port": settings.port, "log_level": settings.log_level,
        "http": protocol_for(settings),
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
        "limit_concurrency": settings.max_connections,
        "timeout_keep_alive": 5,
        # On SIGTERM, requests in flight get this long to finish (a booking takes milliseconds); a long
        # poll still held for a connected client is then cut (its page polls again, elsewhere or later),
        # so a stopping server never waits out a 25 s poll. Polls of clients that hung up end at once.
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_S,
        "server_header": False,
        # Behind TRUSTED_PROXIES, uvicorn's own middleware takes the client from X-Forwarded-For (the
        # right-most address that is not a trusted proxy), so the access log and the limits see it.
        "proxy_headers": bool(settings.proxy_networks),
        "forwarded_allow_ips": [str(network) for network in settings.proxy_networks] or None,
    }
