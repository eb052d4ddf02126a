"""Make sure PostgreSQL's server binaries exist for the tests and the benchmark (``make test`` runs this).

The tests start a throwaway cluster of their own (``tests/support/postgres.py``): they need
``initdb``/``pg_ctl``/``postgres``, not a running service.

1. Found (``$PG_BIN``, ``/usr/lib/postgresql/<n>/bin``, or ``initdb`` on PATH): nothing to do.
2. Missing, running as root on Debian: ``apt-get update`` then ``apt-get install postgresql``.
3. Otherwise: say how to install it; the PostgreSQL half of the backend tests is then skipped
   (and fails under CI).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.postgres import bin_dir  # noqa: E402 (after the path is set)


def main() -> int:
    if bin_dir():
        return 0
    if os.geteuid() == 0 and Path("/etc/debian_version").exists():
        print("ensure_postgres: installing Debian's postgresql with apt-get", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True, env=env)
        return 0 if bin_dir() else 1
    print("ensure_postgres: no PostgreSQL server binaries found; install them (Debian: "
          "sudo apt-get install postgresql) or set PG_BIN; the PostgreSQL tests are skipped meanwhile",
          file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
