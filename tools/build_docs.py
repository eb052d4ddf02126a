"""Copy Swagger UI out of ``node_modules`` into ``static/vendor/swagger-ui/`` for ``/docs``.

``API_DOCS=1`` serves ``/docs`` from our own origin (``backend/site/docs.py``): FastAPI's default page
loads Swagger UI from a CDN, which the page's Content-Security-Policy (rightly) blocks, so the
page came up blank. The files come from the ``swagger-ui-dist`` npm package pinned in
``package.json`` / ``package-lock.json`` (installed by ``npm ci``), never from a CDN::

    node_modules/swagger-ui-dist/{swagger-ui-bundle.js, swagger-ui.css, LICENSE, NOTICE}
        -> static/vendor/swagger-ui/

They are for the operator, not the customer: ``backend.site.files`` neither publishes them with
the page nor lets the service worker precache them. Idempotent: an unchanged file is not rewritten.

Example::

    python tools/build_docs.py        # "build_docs: static/vendor/swagger-ui/ is up to date"
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "node_modules" / "swagger-ui-dist"
TARGET = ROOT / "static" / "vendor" / "swagger-ui"
FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "LICENSE", "NOTICE")


def build(source: Path = SOURCE, target: Path = TARGET) -> list[str]:
    """Copy what changed; returns the names written."""
    missing = [name for name in FILES if not (source / name).is_file()]
    if missing:
        raise SystemExit(f"build_docs: {source} lacks {', '.join(missing)}: run 'npm ci' first")
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name in FILES:
        new, old = source / name, target / name
        if not old.is_file() or old.read_bytes() != new.read_bytes():
            shutil.copyfile(new, old)
            written.append(name)
    return written


if __name__ == "__main__":
    changed = build()
    print(f"build_docs: wrote {', '.join(changed)}" if changed
          else "build_docs: static/vendor/swagger-ui/ is up to date", file=sys.stderr)
