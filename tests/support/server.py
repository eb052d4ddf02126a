"""Run the real backend (``python -m backend``) on a free loopback port for a test session.

The server binds port 0 (``PORT=0``: the kernel picks a free port, so no other process can take it
between our choice and the bind) and the port is read from the process itself: the listening socket
among its open files (``/proc/<pid>/fd`` and ``/proc/<pid>/net/tcp``). A 200 from ``/api/health`` is
accepted only from that port, which this process owns; with an explicit ``port`` (a restart on the
same address) the process must be the one listening on it.

``database`` is a SQLite file (a ``Path``) or a ``postgresql://`` URL (see ``tests.support.postgres``).

Example::

    with running_server(tmp_path / "b.sqlite3") as base_url:
        httpx.get(base_url + "/api/health")

    server = start_server(url, port=port)     # the process itself, e.g. to kill -9 it
    stop_server(server)
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parents[2]
# For servers that many tests (or a benchmark) share from one loopback address: the per-client
# rate limits and connection caps are for abusive clients, and would throttle the suite itself.
# The limits have their own tests (tests/backend/test_rate_limits.py) on servers with small ones.
GENEROUS_LIMITS = {"RATE_LIMIT_WRITES": "1000000", "RATE_LIMIT_AUTH_FAILURES": "1000000",
                   "MAX_CONNECTIONS_PER_CLIENT": "10000", "MAX_CONNECTIONS": "10000"}
# An admin token as long as the server demands (32 characters at least).
TEST_ADMIN_TOKEN = "test-admin-token-" + "0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening_ports(pid: int) -> set[int]:
    """The TCP ports that process ``pid`` itself listens on (its sockets, not its neighbours')."""
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[len("socket:["):-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    url: str
    port: int


def start_server(database: Path | str, *, env: dict[str, str] | None = None, module: str = "backend",
                 cwd: Path = ROOT, port: int | None = None, args: Sequence[str] = (),
                 timeout: float = 30, output: IO[bytes] | None = None) -> ServerProcess:
    """Start ``python -m backend`` on ``port`` (default: one the kernel picks) and wait until it
    listens there and ``/api/health`` answers 200; ``output`` gets its stdout and stderr (the access
    log) when given."""
    environment = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port or 0),
                   "DATABASE_URL": str(database), "LOG_LEVEL": "warning", **(env or {})}
    process = subprocess.Popen([sys.executable, "-m", module, *args], cwd=cwd, env=environment,
                               stdout=output, stderr=output)
    server = ServerProcess(process, "", 0)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        ports = listening_ports(process.pid)
        bound = port if port in ports else (min(ports) if ports and not port else None)
        if bound is not None:
            server.port, server.url = bound, f"http://127.0.0.1:{bound}"
            try:
                if httpx.get(server.url + "/api/health", timeout=1).status_code == 200:
                    return server
            except httpx.HTTPError:
                pass
        if time.monotonic() > deadline:
            stop_server(server)
            raise RuntimeError(f"server did not start within {timeout:.0f} s")
        time.sleep(0.1)


def stop_server(server: ServerProcess) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)


@contextlib.contextmanager
def running_server(database: Path | str, *, env: dict[str, str] | None = None,
                   module: str = "backend", cwd: Path = ROOT, args: Sequence[str] = ()) -> Iterator[str]:
    server = start_server(database, env=env, module=module, cwd=cwd, args=args)
    try:
        yield server.url
    finally:
        stop_server(server)


@contextlib.contextmanager
def server_process(database: Path | str, *, env: dict[str, str] | None = None, module: str = "backend",
                   cwd: Path = ROOT, output: IO[bytes] | None = None
                   ) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """As ``running_server``, also giving the process (its pid, for /proc)."""
    server = start_server(database, env=env, module=module, cwd=cwd, output=output)
    try:
        yield server.url, server.process
    finally:
        stop_server(server)
