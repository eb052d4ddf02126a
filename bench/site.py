"""The site the benchmark loads: a fresh ``make site`` build plus the floor page, on one static server.

Both pages come from the same folder and the same server, so they are measured under equal
conditions: the app at ``<origin>/chat-booking/`` and the floor at ``<origin>/chat-booking/bare.html``.
The server is ``tests.support.pages_server`` (shaped like GitHub Pages for a project site).
``isolated=True`` makes the page cross-origin isolated for 5 µs ``performance.now()``; only the
micro-benchmarks (save/load) use it; boot and typing are measured as published, without it.

Example::

    with built_site() as folder, serve(folder) as origin:
        page.goto(origin + PREFIX + "?therapist=t-ayu")
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from build_site import build_site  # noqa: E402

from tests.support.pages_server import PREFIX  # noqa: E402,F401 - re-exported for bench.page
from tests.support.pages_server import serve_site as serve  # noqa: E402,F401 - re-exported

BARE_PAGE = Path(__file__).with_name("bare.html")
BARE_SCRIPT = Path(__file__).with_name("bare.js")


@contextlib.contextmanager
def built_site() -> Iterator[Path]:
    """A temporary ``make site`` build with ``bare.html`` next to ``index.html``."""
    with tempfile.TemporaryDirectory(prefix="chat-booking-bench-") as directory:
        folder = Path(directory) / "site"
        build_site(folder)
        shutil.copyfile(BARE_PAGE, folder / "bare.html")
        shutil.copyfile(BARE_SCRIPT, folder / "bare.js")
        yield folder

