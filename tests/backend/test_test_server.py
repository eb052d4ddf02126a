"""The suite's launcher (tests/support/server.py) talks to the server it started, never a squatter."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import httpx
import pytest

from tests.backend.conftest import QUIET_ENV
from tests.support.server import listening_ports, start_server, stop_server


def test_the_port_is_the_servers_own_and_a_squatter_on_it_is_not_taken_for_the_server(tmp_path: Path) -> None:
    server = start_server(tmp_path / "own.sqlite3", env=QUIET_ENV)  # PORT=0: the kernel's choice
    try:
        assert server.port in listening_ports(server.process.pid)
        assert httpx.get(server.url + "/api/health", timeout=10).status_code == 200
    finally:
        stop_server(server)

    class Squatter(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200)  # "healthy", but not our server
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    squatter = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Squatter)
    threading.Thread(target=squatter.serve_forever, daemon=True).start()
    try:
        with pytest.raises(RuntimeError, match="exited"):  # our server cannot bind the port
            start_server(tmp_path / "b.sqlite3", env=QUIET_ENV, port=squatter.server_address[1], timeout=20)
    finally:
        squatter.shutdown()
        squatter.server_close()
