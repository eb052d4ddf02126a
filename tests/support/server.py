"""Run the real backend (``python -m backend``) on a free loopback port for a test session.

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


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    url: str
    port: int


def start_server(database: Path | str, *, env: dict[str, str] | None = None, module: str = "backend",
                 cwd: Path = ROOT, port: int | None = None, args: Sequence[str] = (),
                 timeout: float = 30, output: IO[bytes] | None = None) -> ServerProcess:
    """Start ``python -m backend`` and wait until ``/api/health`` answers 200; ``output`` gets its
    stdout and stderr (the access log) when given."""
    port = port or free_port()
    environment = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port),
                   "DATABASE_URL": str(database), "LOG_LEVEL": "warning", **(env or {})}
    process = subprocess.Popen([sys.executable, "-m", module, *args], cwd=cwd, env=environment,
                               stdout=output, stderr=output)
    server = ServerProcess(process, f"http://127.0.0.1:{port}", port)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
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
