"""The FastAPI application: the booking API under ``/api`` and, for ``make serve``, the page.

Example::

    app = create_app(Settings(DATABASE_URL="/tmp/b.sqlite3"))
    uvicorn.run("backend.main:create_app", factory=True, workers=4)   # each process calls create_app()
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from backend.api import api_router
from backend.services.catalog import Catalog
from backend.core.config import Settings
from backend.db.engine import open_database
from backend.api.errors import install_error_handlers
from backend.http.headers import SecurityHeaders, page_policy
from backend.services.idempotency import HEADER as IDEMPOTENCY_HEADER
from backend.http.limits import BodySizeLimit
from backend.db.notify import make_notifier
from backend.services.ratelimit import limits_for
from backend.site.serve import site_router


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.database.migrate()
    app.state.notifier.bind(asyncio.get_running_loop())
    yield
    app.state.notifier.close()
    app.state.limits.close()
    app.state.database.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    # /docs (Swagger UI) loads its JavaScript from a CDN, on the page's origin: off unless API_DOCS=1.
    docs = {} if settings.api_docs else {"docs_url": None, "redoc_url": None}
    app = FastAPI(title="Chat Booking API", version="1.0.0", lifespan=lifespan, **docs)
    app.state.settings = settings
    app.state.database = open_database(settings)  # SQLite or PostgreSQL, from DATABASE_URL
    app.state.catalog = Catalog.load(settings.catalog_path)
    app.state.notifier = make_notifier(app.state.database)  # in-process, or LISTEN/NOTIFY on PostgreSQL
    app.state.limits = limits_for(settings, app.state.database)

    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, page_policy=page_policy(settings.site_root),
                       frame_ancestors=settings.frame_origins)
    if settings.cors_origins:  # added last = outermost, so even a 413 carries CORS headers
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type", "Authorization", IDEMPOTENCY_HEADER])

    app.include_router(api_router)
    if settings.serve_site:
        # Last: the catch-all file route must not shadow /api/..., /docs or /openapi.json.
        app.include_router(site_router(settings.site_root))
    return app
