"""``/docs`` (``API_DOCS=1``): Swagger UI served from our own origin, never from a CDN.

FastAPI's own docs page loads Swagger UI's script and style from jsDelivr and starts it with an
inline script; our Content-Security-Policy (rightly) blocks all three, so ``/docs`` came up blank.
Here the page is ours: Swagger UI's files are vendored from the ``swagger-ui-dist`` npm package
into ``static/vendor/swagger-ui/`` (``tools/build_docs.py``, part of ``make runtime``), and it is
started by ``static/js/docs.js``. Its own policy, ``DOCS_POLICY``, allows only this origin, plus
inline *styles* (Swagger UI sets style attributes); ``backend.http.headers`` sends it on ``/docs``.

    GET /docs                          the page
    GET /docs/swagger-ui-bundle.js     the vendored files (and docs.js), nothing else

Example::

    app.include_router(docs_router())     # only when settings.api_docs
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

ROOT = Path(__file__).resolve().parent.parent.parent
VENDOR = ROOT / "static" / "vendor" / "swagger-ui"
FILES = {"swagger-ui-bundle.js": VENDOR / "swagger-ui-bundle.js", "swagger-ui.css": VENDOR / "swagger-ui.css",
         "docs.js": ROOT / "static" / "js" / "docs.js"}
DOCS_PATH = "/docs"
DOCS_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
               "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Chat Booking API</title>
  <link rel="icon" href="data:,">  <!-- no /favicon.ico request: there is none without the site -->
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/docs.js"></script>
</head>
<body>
  <div id="swagger-ui"></div>
</body>
</html>
"""


def docs_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(DOCS_PATH)
    def docs_page() -> HTMLResponse:
        return HTMLResponse(PAGE, headers={"Cache-Control": "no-cache"})

    @router.get(DOCS_PATH + "/{name}")
    def docs_file(name: str) -> Response:
        path = FILES.get(name)
        if path is None or not path.is_file():  # not built: `make runtime` (tools/build_docs.py)
            return Response(status_code=404)
        return FileResponse(path, headers={"Cache-Control": "no-cache"})

    return router
