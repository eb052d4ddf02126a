"""Clients that try to exhaust the server below the app: junk floods, idle and half-sent requests,
smuggled requests. The tests of a module share one server process per engine (SQLite file and
PostgreSQL: the pool must not leak under these either) and each stops by itself.

The read deadline is set to a few seconds (``REQUEST_READ_TIMEOUT``, default 10): a socket must be
closed after that deadline and not before, which also proves the setting is what decides it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest

from tests.backend.conftest import QUIET_ENV, Location, booking, post_booking
from tests.support.hostile import close_all, count_closed, junk_flood, open_idle, rss_mb, seconds_until_closed
from tests.support.server import server_process

RSS_LIMIT_MB = 200
FLOOD_S = 8  # per flood; four of them (two kinds, two engines)
READ_TIMEOUT_S = 4
# Headroom for a loaded machine: the deadline fires on the server's event loop, a busy one runs it
# late. Still well under the 10 s default, so a server ignoring the setting fails.
CLOSE_HEADROOM_S = 4
# A server that let idle sockets hold others up would answer them only once those sockets are
# closed at the read deadline: half of it tells the two apart with room for a loaded machine.
SLOW_S = READ_TIMEOUT_S / 2


@dataclass(frozen=True)
class Target:
    url: str
    port: int
    pid: int


@pytest.fixture(scope="module")
def target(new_database: Callable[[], Location]) -> Iterator[Target]:
    """A real deployment's settings but a short read deadline; generous rate limits."""
    env = QUIET_ENV | {"MAX_CONNECTIONS_PER_CLIENT": "64", "REQUEST_READ_TIMEOUT": str(READ_TIMEOUT_S)}
    with server_process(new_database(), env=env) as (url, process):
        yield Target(url, urlsplit(url).port or 0, process.pid)


def assert_closed_at_the_deadline(closed_after: float | None) -> None:
    assert closed_after is not None, "never closed"
    assert READ_TIMEOUT_S - 0.2 <= closed_after < READ_TIMEOUT_S + CLOSE_HEADROOM_S, closed_after


def _timed_health(url: str) -> float:
    started = time.monotonic()
    assert httpx.get(url + "/api/health", timeout=10).status_code == 200
    return time.monotonic() - started


@pytest.mark.parametrize("impatient", [False, True], ids=["waits-for-the-answer", "hangs-up-and-redials"])
def test_a_flood_of_posts_without_length_followed_by_junk_stays_under_200_mb(target: Target,
                                                                              impatient: bool) -> None:
    peak = rss_mb(target.pid)
    latencies: list[float] = []
    with junk_flood(target.port, clients=8, megabytes=1, seconds=FLOOD_S, impatient=impatient):
        deadline = time.monotonic() + FLOOD_S
        while time.monotonic() < deadline:
            time.sleep(0.25)
            peak = max(peak, rss_mb(target.pid))
            if not impatient:
                latencies.append(_timed_health(target.url))
    latencies.append(_timed_health(target.url))
    print(f"\npeak RSS under the junk flood: {peak:.0f} MB; slowest health check {max(latencies):.3f} s")
    assert peak < RSS_LIMIT_MB
    # A client that hangs up and redials thousands of times a second fills the accept queue: the
    # server stays small and recovers at once, but answering others *during* such a connection-rate
    # flood needs a limit in front of it (firewall or proxy; see README), so only "after" is checked.
    assert max(latencies) < 2.0
    with httpx.Client(base_url=target.url, timeout=10) as client:
        assert post_booking(client, booking()).status_code == 201


@pytest.mark.parametrize("first_bytes", [b"", b"POST /api/bookings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le",
                                         b"POST /api/bookings HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"],
                         ids=["silent", "half-a-header", "half-a-body"])
def test_an_idle_or_half_sent_request_is_closed_at_the_read_deadline(target: Target, first_bytes: bytes) -> None:
    started = time.monotonic()
    sock, = open_idle(target.port, 1, first_bytes)
    try:
        closed_after = seconds_until_closed(sock, started, limit=READ_TIMEOUT_S + CLOSE_HEADROOM_S + 5)
    finally:
        close_all([sock])
    print(f"\nclosed after {closed_after} s")
    assert_closed_at_the_deadline(closed_after)


def test_three_hundred_idle_sockets_do_not_slow_anyone_else(target: Target) -> None:
    sockets: list[socket.socket] = []
    for n in range(6):  # 50 from each of 6 addresses: under the per-address cap, so all are held
        sockets += open_idle(target.port, 25, source=f"127.0.0.{10 + n}")
        sockets += open_idle(target.port, 25, b"GET / HTTP/1.1\r\nHost: x\r\n", source=f"127.0.0.{10 + n}")
    try:
        latencies = [_timed_health(target.url) for _ in range(20)]
        with httpx.Client(base_url=target.url, timeout=10) as client:
            started = time.monotonic()
            assert post_booking(client, booking()).status_code == 201
            latencies.append(time.monotonic() - started)
    finally:
        close_all(sockets)
    print(f"\nslowest request next to 300 idle sockets: {max(latencies):.3f} s")
    assert max(latencies) < SLOW_S


def test_one_address_cannot_hold_more_than_64_connections(target: Target) -> None:
    sockets = open_idle(target.port, 100, source="127.0.0.20")
    try:
        time.sleep(0.5)
        closed = count_closed(sockets, wait=1.0)
        assert _timed_health(target.url) < SLOW_S  # 127.0.0.1 is someone else
    finally:
        close_all(sockets)
    assert closed == 100 - 64


def test_a_keep_alive_connection_that_starts_a_second_request_and_stalls_is_closed(target: Target) -> None:
    sock = socket.create_connection(("127.0.0.1", target.port), timeout=5)
    try:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"200 OK" in sock.recv(4096)
        started = time.monotonic()
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHo")  # then silence
        closed_after = seconds_until_closed(sock, started, limit=READ_TIMEOUT_S + CLOSE_HEADROOM_S + 5)
    finally:
        close_all([sock])
    assert_closed_at_the_deadline(closed_after)


def test_a_request_with_both_transfer_encoding_and_content_length_is_400_and_closed(target: Target) -> None:
    hidden = b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n"
    chunked = b"0\r\n\r\n" + hidden
    request = (b"POST /api/bookings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n" % len(chunked)) + chunked
    with socket.create_connection(("127.0.0.1", target.port), timeout=5) as sock:
        sock.sendall(request)
        answer = b""
        sock.settimeout(5)
        try:
            while chunk := sock.recv(4096):
                answer += chunk
        except TimeoutError:
            pytest.fail(f"the connection was kept open: {answer!r}")
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"connection: close" in answer.lower()
    assert answer.count(b"HTTP/1.1 ") == 1  # the hidden request was never answered


def test_pipelined_bytes_piling_up_behind_a_request_are_answered_once_then_closed(target: Target) -> None:
    with socket.create_connection(("127.0.0.1", target.port), timeout=5) as sock:
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n" + b"A" * (512 * 1024))
        sock.settimeout(10)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
        except TimeoutError:
            pytest.fail(f"the connection was kept open: {received[:200]!r}")
    # The README: it stops reading, then answers (the one whole request) and closes.
    assert received.startswith(b"HTTP/1.1 200 "), received[:200]
    assert received.count(b"HTTP/1.1 ") == 1


def test_the_server_still_serves_after_every_attack(target: Target) -> None:
    results: list[int] = []

    def book() -> None:
        with httpx.Client(base_url=target.url, timeout=10) as client:
            results.append(post_booking(client, booking()).status_code)

    threads = [threading.Thread(target=book) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert results == [201] * 5
