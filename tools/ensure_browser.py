"""Make sure a Chromium for the browser tests exists (``make test`` runs this).

1. Debian's ``chromium`` on PATH: use it (CI and these machines).
2. Missing, running as root on Debian: ``apt-get install chromium``.
3. Otherwise (a developer's laptop): ``python -m playwright install chromium``.

``tests/browser/conftest.py`` picks the same browser with ``chromium_executable()``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser")


def chromium_executable() -> str | None:
    """Path of a system Chromium, or None when Playwright's own build should be used."""
    override = os.environ.get("CHROMIUM")
    if override:
        return override
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def main() -> int:
    if chromium_executable():
        return 0
    if os.geteuid() == 0 and Path("/etc/debian_version").exists():
        print("ensure_browser: installing Debian's chromium with apt-get", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env)
        return 0 if chromium_executable() else 1
    print("ensure_browser: no system chromium; using Playwright's own", flush=True)
    return subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"]).returncode


if __name__ == "__main__":
    raise SystemExit(main())
