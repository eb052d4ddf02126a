"""The site the benchmark loads: a fresh ``make site`` build plus the floor page, on one static server.

Both pages come from the same folder and the same server, so they are measured under equal
conditions: the app at ``<origin>/chat-booking/`` and the floor at ``<origin>/chat-booking/bare.html``.
The server is shaped like GitHub Pages for a project site (a copy of the one in
``tests/browser/test_site.py``): only ``/chat-booking/<path>`` maps to the folder and files carry
``Cache-Control: max-age=600``.

``isolated=True`` adds COOP/COEP headers, which makes the page cross-origin isolated so that
``performance.now()`` has 5 µs resolution instead of 100 µs. Only the micro-benchmarks (save/load)
use it; boot and typing are measured as published, without it.

Example::

    with built_site() as folder, serve(folder) as origin:
        page.goto(origin + PREFIX + "?therapist=t-ayu")
"""

from __future__ import annotations

import contextlib
import mimetypes
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from build_site import build_site  # noqa: E402

PREFIX = "/chat-booking/"
BARE_PAGE = Path(__file__).with_name("bare.html")
TYPES = {".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
         ".toml": "text/plain; charset=utf-8", ".py": "text/x-python; charset=utf-8",
         ".html": "text/html; charset=utf-8", ".css": "text/css", ".json": "application/json",
         ".svg": "image/svg+xml", ".whl": "application/zip", ".zip": "application/zip"}
ISOLATION_HEADERS = {"Cross-Origin-Opener-Policy": "same-origin",
                     "Cross-Origin-Embedder-Policy": "require-corp",
                     "Cross-Origin-Resource-Policy": "same-origin"}


@contextlib.contextmanager
def built_site() -> Iterator[Path]:
    """A temporary ``make site`` build with ``bare.html`` next to ``index.html``."""
    with tempfile.TemporaryDirectory(prefix="chat-booking-bench-") as directory:
        folder = Path(directory) / "site"
        build_site(folder)
        shutil.copyfile(BARE_PAGE, folder / "bare.html")
        yield folder


def _handler(folder: Path, isolated: bool) -> type[BaseHTTPRequestHandler]:
    folder = folder.resolve()
    extra_headers = ISOLATION_HEADERS if isolated else {}

    class PagesLikeHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like a real static host

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._respond(body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._respond(body=False)

        def _respond(self, body: bool) -> None:
            target = self._target(unquote(urlsplit(self.path).path))
            if target is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = target.read_bytes()
            content_type = TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0]
            self.send_response(200)
            self.send_header("Content-Type", content_type or "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "max-age=600")  # what GitHub Pages sends
            for name, value in extra_headers.items():
                self.send_header(name, value)
            self.end_headers()
            if body:
                self.wfile.write(data)

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
            pass  # quiet: a missing file shows up as the page not reaching ready

    return PagesLikeHandler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)
        # A browser closing a keep-alive connection (tab or context closed) is not news.


@contextlib.contextmanager
def serve(folder: Path, *, isolated: bool = False) -> Iterator[str]:
    """Serve ``folder`` at ``http://127.0.0.1:<port>/chat-booking/``; yield the origin."""
    server = _QuietServer(("127.0.0.1", 0), _handler(folder, isolated))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
