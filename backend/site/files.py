"""Which files of the repository make up the published page.

One allow-list serves both ``make serve`` (the backend serves only these paths,
never ``.git``, ``.venv`` or ``node_modules``) and ``make site`` (which copies
exactly these into ``dist/site/`` for GitHub Pages).

Example::

    for relative in publishable_files(ROOT):
        print(relative)          # index.html, inbox.html, pyscript.toml, app/domain/models.py, ...
"""

from __future__ import annotations

from pathlib import Path

from backend.core.paths import ROOT
TOP_LEVEL_FILES = ("index.html", "inbox.html", "pyscript.toml", "sw.js")
# The service worker is generated (tools/build_sw.py) into the git-ignored build output and
# published at the top level as ``sw.js``, so its scope is the page's folder. Its build copy
# is not published under static/: one URL per file.
SERVICE_WORKER_BUILD = "static/vendor/sw.js"
# Compressed copies the build writes next to runtime files (tools/build_runtime.py): the backend
# sends them as a Content-Encoding of the file they copy; they are never published or precached.
PRECOMPRESSED_SUFFIXES = (".br", ".gz")
# The operator's API docs (backend/site/docs.py serves them at /docs when API_DOCS=1): not part of the
# page, so never published, precached by the service worker, or served as a page file.
OPERATOR_ONLY = ("static/vendor/swagger-ui/", "static/js/docs.js")


def _operator_only(relative: str) -> bool:
    return relative.startswith(OPERATOR_ONLY)


def browser_modules(root: Path = ROOT) -> list[str]:
    """The app/ Python files the page loads (relative POSIX paths), sorted."""
    found = sorted(p.relative_to(root).as_posix() for p in (root / "app").rglob("*.py"))
    return [p for p in found if "__pycache__" not in p]


def publishable_files(root: Path = ROOT) -> list[str]:
    """Every file to publish, relative POSIX paths, sorted."""
    files = [name for name in TOP_LEVEL_FILES if (root / name).is_file()]
    files += browser_modules(root)
    files += sorted(
        p.relative_to(root).as_posix()
        for p in (root / "static").rglob("*")
        if p.is_file() and not p.name.startswith(".") and not p.name.endswith(PRECOMPRESSED_SUFFIXES)
        and p.relative_to(root).as_posix() != SERVICE_WORKER_BUILD
        and not _operator_only(p.relative_to(root).as_posix())
    )
    return sorted(files)


def is_publishable(relative: str, root: Path = ROOT) -> bool:
    """True when ``relative`` (a URL path without the leading slash) may be served."""
    if relative in TOP_LEVEL_FILES:
        return True
    if relative.startswith("app/"):
        return relative in browser_modules(root)
    if relative == SERVICE_WORKER_BUILD or relative.endswith(PRECOMPRESSED_SUFFIXES) or _operator_only(relative):
        return False
    return relative.startswith("static/") and "/." not in "/" + relative and ".." not in relative.split("/")
