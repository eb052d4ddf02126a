"""Serve the page's files (and only those) from the backend's origin, for ``make serve``.

The allow-list is ``backend.site.files``; anything else is a 404, so ``.git``,
``.venv`` and ``node_modules`` are never exposed. ``/sw.js`` is the service worker
that ``tools/build_sw.py`` generates into ``static/vendor/sw.js``. ``HEAD`` answers like ``GET``
without the body; a path the file system cannot even look up (a segment over 255 bytes) is a 404.

Compression: a text-like file (HTML, JS, CSS, JSON, TOML, Python, SVG, WebAssembly) is sent
brotli-encoded when the request's ``Accept-Encoding`` allows ``br``, else gzip-encoded when it
allows ``gzip``, else as it is; every such response says ``Vary: Accept-Encoding``. The build
writes ``<file>.br`` and ``<file>.gz`` next to each runtime file (``tools/build_runtime.py``
``precompress``); a smaller file without them (``index.html``, ``app/*.py``) is compressed once
and kept in memory until it changes. Zips and wheels are sent as they are (already deflated).

Caching: a file whose name carries its content hash (PyScript's ``core-C9KDLldu.js``) or whose
URL query does (``?v=<hex>``) is ``immutable`` for a year; everything else, the page first, is
``no-cache`` (revalidated each time with its ETag), so a new build is never hidden.

Example::

    app.include_router(site_router(ROOT))
    # GET /static/vendor/pyodide/pyodide.asm.wasm  Accept-Encoding: gzip, br
    #   -> 200, Content-Encoding: br, Vary: Accept-Encoding, the bytes of pyodide.asm.wasm.br
"""

from __future__ import annotations

import gzip
import hashlib
import re
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response

from backend.site.files import PRECOMPRESSED_SUFFIXES, SERVICE_WORKER_BUILD, is_publishable

MEDIA_TYPES = {
    ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
    ".py": "text/x-python; charset=utf-8", ".toml": "text/plain; charset=utf-8",
    ".whl": "application/zip", ".zip": "application/zip", ".json": "application/json",
    ".svg": "image/svg+xml", ".css": "text/css", ".html": "text/html; charset=utf-8",
}
COMPRESSIBLE = {".mjs", ".js", ".wasm", ".py", ".toml", ".json", ".svg", ".css", ".html", ".txt"}
# Preferred first. The suffix is the one the build writes (backend.site.files.PRECOMPRESSED_SUFFIXES).
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
ON_THE_FLY_LIMIT = 1 << 20  # bigger files are precompressed by the build, or sent as they are
NO_CACHE = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"
# Vite's content hash in a file name (8 characters of [A-Za-z0-9_-]), e.g. core-C9KDLldu.js.
HASHED_NAME = re.compile(r"-[A-Za-z0-9_-]{8}\.(?:js|mjs|css)$")
HASHED_QUERY = re.compile(r"(?:^|&)v=[0-9a-f]{8,64}(?:&|$)")


def accepted_encodings(header: str) -> set[str]:
    """Codings the client accepts (q > 0) from an ``Accept-Encoding`` value; ``*`` allows any."""
    accepted: set[str] = set()
    refused: set[str] = set()
    for part in header.lower().split(","):
        coding, _, params = part.strip().partition(";")
        coding = coding.strip()
        if not coding:
            continue
        quality = 1.0
        match = re.search(r"q\s*=\s*([0-9.]+)", params)
        if match:
            try:
                quality = float(match[1])
            except ValueError:
                quality = 0.0
        (accepted if quality > 0 else refused).add(coding)
    if "*" in accepted:
        accepted |= {name for name, _suffix in ENCODINGS} - refused
    return accepted - refused


def cache_control(relative: str, query: str) -> str:
    if HASHED_NAME.search(relative) or HASHED_QUERY.search(query):
        return IMMUTABLE
    return NO_CACHE


@lru_cache(maxsize=256)
def _compressed(path: str, mtime_ns: int, size: int, encoding: str) -> bytes:
    """``path`` compressed with ``encoding``; keyed on mtime and size, so a changed file is redone."""
    data = Path(path).read_bytes()
    if encoding == "br":
        import brotli  # only when a browser asks for br and the build left no .br file

        return brotli.compress(data, quality=9)
    return gzip.compress(data, compresslevel=9, mtime=0)


def _precompressed(target: Path, suffix: str) -> Path | None:
    sibling = target.with_name(target.name + suffix)
    try:
        if sibling.stat().st_mtime_ns >= target.stat().st_mtime_ns:
            return sibling
    except FileNotFoundError:
        pass
    return None


def _etag(path: Path, encoding: str) -> str:
    stat = path.stat()
    digest = hashlib.sha256(f"{path}:{stat.st_mtime_ns}:{stat.st_size}".encode()).hexdigest()[:20]
    return f'"{digest}-{encoding}"'  # one ETag per encoding: a strong validator names the bytes


def _not_modified(request: Request, etag: str, headers: dict[str, str]) -> Response | None:
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers | {"ETag": etag})
    return None


def file_response(request: Request, target: Path, media_type: str | None, cache: str) -> Response:
    """``target`` as the client best accepts it (brotli, gzip or plain), with cache headers.

    Answers ``If-None-Match`` with 304, so a revalidated (no-cache) file costs one round trip.
    """
    headers = {"Cache-Control": cache}
    encoding, body_file = "identity", target
    if target.suffix in COMPRESSIBLE:
        headers["Vary"] = "Accept-Encoding"
        accepted = accepted_encodings(request.headers.get("accept-encoding", ""))
        for name, suffix in ENCODINGS:
            if name not in accepted:
                continue
            sibling = _precompressed(target, suffix)
            if sibling is not None:
                encoding, body_file = name, sibling
                break
            if target.stat().st_size <= ON_THE_FLY_LIMIT:
                encoding = name
                break
    etag = _etag(target, encoding)
    if (unchanged := _not_modified(request, etag, headers)) is not None:
        return unchanged
    headers["ETag"] = etag
    if encoding == "identity":
        return FileResponse(target, media_type=media_type, headers=headers)
    headers["Content-Encoding"] = encoding
    if body_file is not target:
        return FileResponse(body_file, media_type=media_type, headers=headers)
    stat = target.stat()
    body = _compressed(str(target), stat.st_mtime_ns, stat.st_size, encoding)
    return Response(body, media_type=media_type, headers=headers)


def _is_file(target: Path) -> bool:
    try:
        return target.is_file()
    except (OSError, ValueError):  # ENAMETOOLONG, ELOOP, a NUL byte: no such page file either way
        return False


def site_router(root: Path) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.api_route("/sw.js", methods=["GET", "HEAD"])
    def service_worker(request: Request) -> Response:
        target = root / SERVICE_WORKER_BUILD
        if not target.is_file():
            raise HTTPException(status_code=404, detail="Not found (run 'make runtime')")
        # Served from the page's folder, so its scope is the page without Service-Worker-Allowed.
        return file_response(request, target, "text/javascript", NO_CACHE)

    @router.api_route("/{path:path}", methods=["GET", "HEAD"])
    def page_file(path: str, request: Request) -> Response:
        relative = path or "index.html"
        if relative.endswith("/"):
            relative += "index.html"
        target = root / relative
        if (not is_publishable(relative, root) or relative.endswith(PRECOMPRESSED_SUFFIXES)
                or not _is_file(target)):
            raise HTTPException(status_code=404, detail="Not found")
        # no-cache = "revalidate every time": ETag/Last-Modified make repeat visits cheap,
        # and a new build is never hidden behind a stale copy. Hashed names never change.
        return file_response(request, target, MEDIA_TYPES.get(target.suffix),
                             cache_control(relative, request.url.query))

    return router
