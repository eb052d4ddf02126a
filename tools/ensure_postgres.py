"""Make sure PostgreSQL's server binaries exist for the tests and the benchmark (``make test`` runs this).

The tests start a throwaway cluster of their own (``tests/support/postgres.py``): they need
``initdb``/``pg_ctl``/``postgres``, not a running service.

1. Found (``$PG_BIN``, ``/usr/lib/postgresql/<n>/bin``, or ``initdb`` on PATH): nothing to do.
2. Missing, running as root on Debian: ``apt-get update`` then ``apt-get install postgresql``.
3. Otherwise (or when the install fails): say how to install it and exit 1, so ``make test`` stops
   before a run that would leave half the backend untested, unless the person running it opted
   out with ``SKIP_POSTGRES=1`` (then the PostgreSQL tests are skipped, and the summary says so).

Example::

    python tools/ensure_postgres.py              # 0: binaries found or installed; 1: not there
    SKIP_POSTGRES=1 python tools/ensure_postgres.py   # 0 either way, saying what will be skipped
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.postgres import bin_dir  # noqa: E402 (after the path is set)


def opted_out() -> bool:
    """The person running the tests said to go without PostgreSQL (``SKIP_POSTGRES=1``)."""
    return os.environ.get("SKIP_POSTGRES") == "1"


def install() -> str:
    """Install Debian's server binaries where we can; "" when done, else why not."""
    if os.geteuid() != 0 or not Path("/etc/debian_version").exists():
        return "not root on Debian, so not installing"
    print("ensure_postgres: installing Debian's postgresql with apt-get", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "postgresql"]):
        if subprocess.run(command, env=env, check=False).returncode != 0:
            return f"'{' '.join(command)}' failed"
    return "" if bin_dir() else "apt-get installed postgresql but no initdb was found"


def main() -> int:
    if bin_dir():
        return 0
    if opted_out():
        print("ensure_postgres: SKIP_POSTGRES=1: no PostgreSQL server binaries; the PostgreSQL tests "
              "will be skipped", file=sys.stderr, flush=True)
        return 0
    problem = install()
    if not problem:
        return 0
    print(f"ensure_postgres: no PostgreSQL server binaries ({problem}). Install them (Debian: "
          "sudo apt-get install postgresql) or set PG_BIN to their folder; or run with SKIP_POSTGRES=1 "
          "to skip the PostgreSQL half of the backend tests on purpose.", file=sys.stderr, flush=True)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
