"""The guarded HTTP/1.1 server reaches into uvicorn's h11 protocol and h11 itself (uvicorn has no
request-read deadline of its own); these checks fail on an upgrade that changes what it relies on, so
the upgrade is read before it ships. Behind TRUSTED_PROXIES uvicorn's own proxy headers name the client,
in the access log too."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import h11
import httpx
import uvicorn
from uvicorn.protocols.http import h11_impl
from uvicorn.server import ServerState

from backend.core.config import Settings
from backend.http.server import MAX_HEADER_BYTES, GuardedH11Protocol, protocol_for, uvicorn_options
from tests.backend.conftest import QUIET_ENV
from tests.support.server import server_process

# What backend.http.server uses of uvicorn's H11Protocol (source text of the class).
UVICORN_INTERNALS = ("self.conn = h11.Connection(", "h11_max_incomplete_event_size",
                     "self.cycle", "self.flow", "self.client", "def on_response_complete",
                     "def timeout_keep_alive_handler", "def data_received", "def connection_made",
                     "def connection_lost")


def test_uvicorns_h11_protocol_still_has_what_the_guard_overrides_and_reads() -> None:
    source = inspect.getsource(h11_impl.H11Protocol)
    assert [name for name in UVICORN_INTERNALS if name not in source] == []
    assert list(inspect.signature(h11_impl.H11Protocol.__init__).parameters)[:4] == [
        "self", "config", "server_state", "app_state"]
    cycle = inspect.getsource(h11_impl.RequestResponseCycle)
    assert "self.response_complete" in cycle and "self.keep_alive" in cycle


def test_h11_still_keeps_the_receive_buffer_and_states_the_guard_reads() -> None:
    conn = h11.Connection(h11.SERVER, MAX_HEADER_BYTES)
    assert len(conn._receive_buffer) == 0  # noqa: SLF001 - the guard's measure of buffered bytes
    assert conn.trailing_data == (b"", False)
    conn.receive_data(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /next")
    assert isinstance(conn.next_event(), h11.Request)
    assert isinstance(conn.next_event(), h11.EndOfMessage)
    assert conn.their_state is h11.DONE
    assert len(conn._receive_buffer) == len(b"GET /next")  # noqa: SLF001


def test_the_guarded_protocol_builds_on_this_uvicorn() -> None:
    config = uvicorn.Config(app=lambda *a: None, h11_max_incomplete_event_size=MAX_HEADER_BYTES)
    config.load()
    loop = asyncio.new_event_loop()
    try:
        protocol = protocol_for(Settings())(config=config, server_state=ServerState(), app_state={}, _loop=loop)
    finally:
        loop.close()
    assert isinstance(protocol, GuardedH11Protocol)
    assert isinstance(protocol.conn, h11.Connection)
    assert protocol._buffered() == 0  # noqa: SLF001


def test_trusted_proxies_turn_on_uvicorns_proxy_headers() -> None:
    assert uvicorn_options(Settings(TRUSTED_PROXIES=""))["proxy_headers"] is False
    options = uvicorn_options(Settings(TRUSTED_PROXIES="127.0.0.1, 10.0.0.0/8"))
    assert options["proxy_headers"] is True
    assert options["forwarded_allow_ips"] == ["127.0.0.1/32", "10.0.0.0/8"]


def test_behind_a_trusted_proxy_the_access_log_shows_the_client(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    env = QUIET_ENV | {"TRUSTED_PROXIES": "127.0.0.1", "LOG_LEVEL": "info"}
    with log.open("wb") as output, server_process(tmp_path / "b.sqlite3", env=env, output=output) as (url, _):
        forwarded = {"X-Forwarded-For": "198.51.100.77, 203.0.113.5"}
        assert httpx.get(url + "/api/health", headers=forwarded).status_code == 200
    access = [line for line in log.read_text().splitlines() if "GET /api/health" in line]
    assert any("203.0.113.5" in line for line in access), access
