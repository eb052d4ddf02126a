"""uvicorn's HTTP protocol with ``TCP_NODELAY`` on every connection, whatever made the listening socket.

With ``--workers`` uvicorn binds the listening socket itself as ``socket.socket(family=...)``,
i.e. with ``proto=0``; asyncio only sets ``TCP_NODELAY`` on accepted sockets whose ``proto`` is
``IPPROTO_TCP``, so every response then waits for Nagle's algorithm and the client's delayed
ACK (about 40 ms: ``/api/health`` took 50 ms instead of 2 ms). This protocol sets the option
itself; a single process (asyncio's own listening socket) is unaffected by it.

``backend.http.server.GuardedH11Protocol`` (the one protocol the server runs) calls ``nodelay`` on
every connection.

Example::

    nodelay(transport)      # in a protocol's connection_made
"""

from __future__ import annotations

import asyncio
import contextlib
import socket


def nodelay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):  # a socket that cannot take it just stays as it is
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
