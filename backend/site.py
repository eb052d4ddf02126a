"""Serve the page's files (and only those) from the backend's origin, for ``make serve``.

The allow-list is ``backend.site_files``; anything else is a 404, so ``.git``,
``.venv`` and ``node_modules`` are never exposed. ``/sw.js`` is the service worker
that ``tools/build_sw.py`` generates into ``static/vendor/sw.js``. ``HEAD`` answers like ``GET``
without the body; a path the file system cannot even look up (a segment over 255 bytes) is a 404.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from backend.site_files import SERVICE_WORKER_BUILD, is_publishable

MEDIA_TYPES = {
    ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
    ".py": "text/x-python; charset=utf-8", ".toml": "text/plain; charset=utf-8",
    ".whl": "application/zip", ".zip": "application/zip", ".json": "application/json",
    ".svg": "image/svg+xml", ".css": "text/css", ".html": "text/html; charset=utf-8",
}


def _is_file(target: Path) -> bool:
    try:
        return target.is_file()
    except (OSError, ValueError):  # ENAMETOOLONG, ELOOP, a NUL byte: no such page file either way
        return False


def site_router(root: Path) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.api_route("/sw.js", methods=["GET", "HEAD"])
    def service_worker() -> FileResponse:
        target = root / SERVICE_WORKER_BUILD
        if not target.is_file():
            raise HTTPException(status_code=404, detail="Not found (run 'make runtime')")
        # Served from the page's folder, so its scope is the page without Service-Worker-Allowed.
        return FileResponse(target, media_type="text/javascript", headers={"Cache-Control": "no-cache"})

    @router.api_route("/{path:path}", methods=["GET", "HEAD"])
    def page_file(path: str) -> FileResponse:
        relative = path or "index.html"
        if relative.endswith("/"):
            relative += "index.html"
        target = root / relative
        if not is_publishable(relative, root) or not _is_file(target):
            raise HTTPException(status_code=404, detail="Not found")
        # no-cache = "revalidate every time": ETag/Last-Modified make repeat visits cheap,
        # and a new build is never hidden behind a stale copy.
        return FileResponse(target, media_type=MEDIA_TYPES.get(target.suffix),
                            headers={"Cache-Control": "no-cache"})

    return router
