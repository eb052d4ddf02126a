"""A tiny static file server shaped like GitHub Pages for a project site.

Only ``/chat-booking/<path>`` maps to the folder, ``/chat-booking`` redirects to
``/chat-booking/``, everything else is a 404, and files carry ``Cache-Control: max-age=600``
(what GitHub Pages sends, so a test also proves the service worker never trusts the HTTP
cache). Used by the sub-path and offline browser tests and by ``make bench``.

``isolated=True`` adds COOP/COEP headers, making the page cross-origin isolated so that
``performance.now()`` has 5 µs resolution instead of 100 µs (the benchmark's micro-timings).

Example::

    with serve_site(folder) as origin:
        page.goto(origin + PREFIX)
"""

from __future__ import annotations

import contextlib
import mimetypes
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

PREFIX = "/chat-booking/"
TYPES = {".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
         ".toml": "text/plain; charset=utf-8", ".py": "text/x-python; charset=utf-8",
         ".html": "text/html; charset=utf-8", ".css": "text/css", ".json": "application/json",
         ".svg": "image/svg+xml", ".whl": "application/zip", ".zip": "application/zip"}
ISOLATION_HEADERS = {"Cross-Origin-Opener-Policy": "same-origin",
                     "Cross-Origin-Embedder-Policy": "require-corp",
                     "Cross-Origin-Resource-Policy": "same-origin"}


def _handler(folder: Path, extra_headers: dict[str, str]) -> type[BaseHTTPRequestHandler]:
    folder = folder.resolve()

    class PagesLikeHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like a real static host

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._respond(body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._respond(body=False)

        def _respond(self, body: bool) -> None:
            path = unquote(urlsplit(self.path).path)
            if path == PREFIX.rstrip("/"):
                self._empty(301, Location=PREFIX)
                return
            target = self._target(path)
            if target is None:
                self._empty(404)
                return
            data = target.read_bytes()
            content_type = TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0]
            self.send_response(200)
            self.send_header("Content-Type", content_type or "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "max-age=600")
            for name, value in extra_headers.items():
                self.send_header(name, value)
            self.end_headers()
            if body:
                self.wfile.write(data)

        def _empty(self, status: int, **headers: str) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _target(self, path: str) -> Path | None:
            if not path.startswith(PREFIX):
                return None
            relative = path[len(PREFIX):]
            if relative == "" or relative.endswith("/"):
                relative += "index.html"
            target = (folder / relative).resolve()
            if not target.is_relative_to(folder) or not target.is_file():
                return None
            return target

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # quiet: a missing file shows up as a 404 in the browser instead

    return PagesLikeHandler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)
        # A browser closing a keep-alive connection (tab or context closed) is not news.


@contextlib.contextmanager
def serve_site(folder: Path, *, isolated: bool = False) -> Iterator[str]:
    """Serve ``folder`` at ``http://127.0.0.1:<port>/chat-booking/``; yield the origin."""
    server = _QuietServer(("127.0.0.1", 0), _handler(folder, ISOLATION_HEADERS if isolated else {}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
