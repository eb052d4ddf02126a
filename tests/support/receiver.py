"""A real local HTTP receiver for notification tests: plays a webhook endpoint or a push service.

It listens on a free loopback port in a thread of the test process and records every request
(path, headers, raw body, arrival time). What it answers is a script: ``answers`` is a list of
statuses used in turn (then ``default``), ``scripts`` the same per request path; ``hang=True`` never answers (the connection stays open
until the receiver stops). ``stop()`` closes the socket (the receiver is *down*: connections are
refused); ``start()`` listens again on the same port.

Example::

    with Receiver(answers=[500, 500]) as receiver:     # 500, 500, then 200
        ...NOTIFY_WEBHOOK_URL=receiver.url + "/hook"...
        received = receiver.wait_for(1, timeout=10)     # [Request(...)]
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]      # lower-case names
    body: bytes
    at: float                    # time.monotonic()
    status: int                  # what we answered (0: never answered)


@dataclass
class Receiver:
    answers: list[int] = field(default_factory=list)
    scripts: dict[str, list[int]] = field(default_factory=dict)  # per path: used before ``answers``
    default: int = 200
    hang: bool = False
    port: int = 0
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._released = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        return self.url

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if receiver.hang:
                    receiver._record(self, body, 0)
                    receiver._released.wait()
                    return
                with receiver._lock:
                    script = receiver.scripts.get(self.path) or receiver.answers
                    status = script.pop(0) if script else receiver.default
                receiver._record(self, body, status)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_PUT = do_GET = _handle

        ThreadingHTTPServer.allow_reuse_address = True
        self._released.clear()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True, name="receiver").start()
        return self

    def _record(self, handler: BaseHTTPRequestHandler, body: bytes, status: int) -> None:
        with self._lock:
            self.requests.append(Request(handler.command, handler.path,
                                         {k.lower(): v for k, v in handler.headers.items()}, body,
                                         time.monotonic(), status))
            self._lock.notify_all()

    def stop(self) -> None:
        """Down: the socket closes, hanging requests are let go, new connections are refused."""
        self._released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait_for(self, count: int, timeout: float = 20.0, where: str | None = None) -> list[Request]:
        """The first ``count`` requests (to paths starting with ``where``), waiting up to ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [r for r in self.requests if where is None or r.path.startswith(where)]
                if len(found) >= count or time.monotonic() >= deadline:
                    return found
                self._lock.wait(min(0.2, max(deadline - time.monotonic(), 0.01)))

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def refused_port() -> int:
    """A loopback port nobody listens on (connections refused), for a receiver that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
