"""Without PostgreSQL a run fails loudly, unless the person running it opted out (``SKIP_POSTGRES=1``).

``tools/ensure_postgres.py`` (``make test`` runs it first) and the backend tests' ``pg_cluster``
fixture, each run as ``make test`` runs them, with ``PG_BIN`` pointing at a folder with no server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "SKIP_POSTGRES"} | env
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
                          check=False)


def no_apt(tmp_path: Path) -> str:
    """A PATH whose apt-get fails as it does offline (apt-get is not ours; the failure is what we test)."""
    (tmp_path / "apt-get").write_text("#!/bin/sh\necho 'E: could not reach the mirror' >&2\nexit 100\n")
    (tmp_path / "apt-get").chmod(0o755)
    return f"{tmp_path}:{os.environ['PATH']}"


def test_ensure_postgres_exits_1_when_it_could_not_install(tmp_path: Path) -> None:
    result = run([sys.executable, "tools/ensure_postgres.py"], PG_BIN=str(tmp_path), PATH=no_apt(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "SKIP_POSTGRES=1" in result.stderr  # says how to opt out


def test_ensure_postgres_lets_an_explicit_opt_out_through(tmp_path: Path) -> None:
    result = run([sys.executable, "tools/ensure_postgres.py"], PG_BIN=str(tmp_path), PATH=no_apt(tmp_path),
                 SKIP_POSTGRES="1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PostgreSQL tests will be skipped" in result.stderr


def pytest_run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # One cheap backend test on the PostgreSQL engine only (no server starts before the cluster).
    return run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "postgresql",
                "tests/backend/test_site_headers.py::test_a_path_segment_too_long_for_the_file_system_is_404"],
               PG_BIN=str(tmp_path), **env)


def test_the_postgresql_tests_fail_without_a_server_unless_skipped_on_purpose(tmp_path: Path) -> None:
    failed = pytest_run(tmp_path)
    assert failed.returncode == 1, failed.stdout
    assert "3 errors" in failed.stdout and "SKIP_POSTGRES=1" in failed.stdout, failed.stdout
    skipped = pytest_run(tmp_path, SKIP_POSTGRES="1")
    assert skipped.returncode == 0, skipped.stdout
    assert "skipped on request: 3 tests: SKIP_POSTGRES=1" in skipped.stdout, skipped.stdout
