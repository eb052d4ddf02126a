"""Misbehaving HTTP clients for the abuse tests, over raw sockets, each bounded in bytes and time.

Only ever aimed at a 127.0.0.1 server the test itself started.

Example::

    with junk_flood(port, clients=8, megabytes=1, seconds=10):   # stops by itself
        ...
    seconds = seconds_until_closed(sock, limit=40)
"""

from __future__ import annotations

import contextlib
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

# The floods come from another loopback address than the well-behaved clients (127.0.0.1), as an
# attacker would from their own address: per-address limits can then tell them apart.
ATTACKER = "127.0.0.2"
JUNK_HEAD = b"POST /api/bookings HTTP/1.1\r\nHost: 127.0.0.1\r\nIdempotency-Key: flood\r\n\r\n"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _one_junk_client(port: int, megabytes: int, stop: float, impatient: bool) -> None:
    """A POST with no Content-Length, then ``megabytes`` MB of junk, then (unless ``impatient``)
    read until the server answers and closes; again until ``stop``."""
    chunk = b"A" * 65536
    while time.monotonic() < stop:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(ATTACKER, 0)) as sock:
                sock.sendall(JUNK_HEAD)
                for _ in range(megabytes * 16):
                    sock.sendall(chunk)
                while not impatient and sock.recv(65536):
                    pass
        except OSError:
            time.sleep(0.001)  # the server cut us off (that is the point): go again


def _flood(port: int, clients: int, megabytes: int, seconds: float, impatient: bool) -> None:
    stop = time.monotonic() + seconds
    threads = [threading.Thread(target=_one_junk_client, args=(port, megabytes, stop, impatient), daemon=True)
               for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 5)


@contextlib.contextmanager
def junk_flood(port: int, *, clients: int = 8, megabytes: int = 1, seconds: float = 10,
               impatient: bool = False) -> Iterator[None]:
    """The flood, from its own process (so that its threads do not slow the test's own requests)."""
    command = [sys.executable, "-m", "tests.support.hostile", str(port), str(clients), str(megabytes),
               str(seconds), "1" if impatient else "0"]
    process = subprocess.Popen(command, cwd=Path(__file__).resolve().parents[2])
    try:
        yield
    finally:
        try:
            process.wait(timeout=seconds + 10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def open_idle(port: int, count: int, first_bytes: bytes = b"", source: str = ATTACKER) -> list[socket.socket]:
    """``count`` connections that send ``first_bytes`` (maybe half a header) and then nothing; ones
    the server refuses at once (too many from ``source``) come back closed."""
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
        if first_bytes:
            sock.sendall(first_bytes)
        sockets.append(sock)
    return sockets


def seconds_until_closed(sock: socket.socket, started: float, limit: float) -> float | None:
    """Seconds from ``started`` until the server closed ``sock`` (EOF or reset); None past ``limit``."""
    sock.settimeout(max(0.1, started + limit - time.monotonic()))
    try:
        while sock.recv(4096):
            pass  # an error answer before the close is fine
    except TimeoutError:
        return None
    except OSError:
        pass  # reset: closed too
    return time.monotonic() - started


def count_closed(sockets: list[socket.socket], wait: float) -> int:
    """How many of ``sockets`` the server has closed, watching them all at once for ``wait`` s."""
    readable, _, _ = select.select(sockets, [], [], wait)
    closed = 0
    for sock in readable:
        sock.setblocking(False)
        try:
            closed += sock.recv(4096) == b""
        except OSError:
            closed += 1
    return closed


def close_all(sockets: list[socket.socket]) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.close()


if __name__ == "__main__":  # python -m tests.support.hostile <port> <clients> <megabytes> <seconds> <impatient>
    port_, clients_, megabytes_, seconds_, impatient_ = sys.argv[1:6]
    _flood(int(port_), int(clients_), int(megabytes_), float(seconds_), impatient_ == "1")
