"""Run the real backend (``python -m backend``) on a free loopback port for a test session.

Example::

    with running_server(tmp_path / "b.sqlite3") as base_url:
        httpx.get(base_url + "/api/health")
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(database: Path, *, env: dict[str, str] | None = None,
                   module: str = "backend", cwd: Path = ROOT) -> Iterator[str]:
    with server_process(database, env=env, module=module, cwd=cwd) as (base_url, _):
        yield base_url


@contextlib.contextmanager
def server_process(database: Path, *, env: dict[str, str] | None = None, module: str = "backend",
                   cwd: Path = ROOT, output: IO[bytes] | None = None
                   ) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """As ``running_server``, also giving the process (its pid, for /proc); ``output`` gets its
    stdout and stderr (the access log) when given."""
    port = free_port()
    environment = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port),
                   "DATABASE_URL": str(database), "LOG_LEVEL": "warning", **(env or {})}
    process = subprocess.Popen([sys.executable, "-m", module], cwd=cwd, env=environment,
                               stdout=output, stderr=output)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}")
            try:
                if httpx.get(base_url + "/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start within 30 s")
            time.sleep(0.1)
        yield base_url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
