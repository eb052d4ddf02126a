"""A long poll whose arrival at the server is proven before the test acts on it.

A wake-up test that posts the waking message while its poll is still on the way tests nothing: a
late poll finds the message on its first query and answers at once. ``HeldPoll`` sends its GET
over a raw socket and ``wait_until_held()`` returns only once the kernel shows the request bytes
delivered (our socket's send queue empty) *and read by the server* (its socket's receive queue
empty, ``/proc/net/tcp``), with no answer yet; then a short settle covers the first query, which
the server runs right after reading.

Example::

    poll = HeldPoll(url, "/api/conversations/s/messages", {"after": cursor, "wait": 10}, auth)
    poll.wait_until_held()
    ...post the waking message...
    status, body, answered_at = poll.result()
"""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ESTABLISHED = "01"


def _queues(local_port: int, remote_port: int) -> tuple[int, int] | None:
    """(send queue, receive queue) of the loopback TCP socket local_port -> remote_port, or None."""
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, state = fields[1], fields[2], fields[3]
            if (state == ESTABLISHED and int(local.rsplit(":", 1)[1], 16) == local_port
                    and int(remote.rsplit(":", 1)[1], 16) == remote_port):
                tx, rx = fields[4].split(":")
                return int(tx, 16), int(rx, 16)
    return None


class HeldPoll:
    def __init__(self, url: str, path: str, params: dict[str, Any], headers: dict[str, str]) -> None:
        self.server_port = urlsplit(url).port or 80
        self.sock = socket.create_connection(("127.0.0.1", self.server_port), timeout=60)
        self.client_port = self.sock.getsockname()[1]
        lines = [f"GET {path}?{urlencode(params)} HTTP/1.1", f"Host: 127.0.0.1:{self.server_port}",
                 "Connection: close", *(f"{name}: {value}" for name, value in headers.items())]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.answered_at: float | None = None
        self._raw = b""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            while chunk := self.sock.recv(65536):
                if self.answered_at is None:
                    self.answered_at = time.monotonic()
                self._raw += chunk
        except OSError:
            pass

    def wait_until_held(self, timeout: float = 15, settle: float = 0.3) -> None:
        deadline = time.monotonic() + timeout
        while True:
            ours = _queues(self.client_port, self.server_port)
            theirs = _queues(self.server_port, self.client_port)
            if ours is not None and theirs is not None and ours[0] == 0 and theirs[1] == 0:
                break
            assert time.monotonic() < deadline, f"the server never read the poll ({ours}, {theirs})"
            time.sleep(0.02)
        time.sleep(settle)
        assert self.answered_at is None, f"the poll answered before anything happened: {self._raw[:300]!r}"

    def result(self, timeout: float = 20) -> tuple[int, Any, float]:
        """(status, JSON body, monotonic time of the first byte of the answer)."""
        self._reader.join(timeout)
        self.sock.close()
        assert self.answered_at is not None, "no answer"
        head, _, body = self._raw.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        return status, json.loads(body), self.answered_at

    def hang_up(self) -> None:
        """The client goes away (a closed tab). ``shutdown`` first: a bare ``close()`` while the reader
        thread sits in ``recv()`` would leave the connection open until that call returns."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already gone
        self.sock.close()
