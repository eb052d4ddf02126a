"""The FastAPI application: the booking API under ``/api`` and, for ``make serve``, the page.

Example::

    app = create_app(Settings(DATABASE_URL="/tmp/b.sqlite3"))
    uvicorn.run("backend.main:create_app", factory=True, workers=4)   # each process calls create_app()
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from backend.api import api_router
from backend.core.bodies import UUID4_PATTERN
from backend.services.catalog import Catalog
from backend.core.config import Settings
from backend.db.engine import open_database
from backend.api.errors import install_error_handlers
from backend.http.headers import SecurityHeaders, page_policy
from backend.services.idempotency import HEADER as IDEMPOTENCY_HEADER
from backend.http.limits import BodySizeLimit
from backend.db.notify import make_notifier
from backend.services.dispatcher import Dispatcher
from backend.services.notifications import Outbox
from backend.services.ratelimit import limits_for
from backend.site.docs import DOCS_PATH, DOCS_POLICY, docs_router
from backend.site.serve import site_router


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.database.migrate()
    app.state.notifier.bind(asyncio.get_running_loop())
    app.state.dispatcher.start(asyncio.get_running_loop())  # delivers the notifications outbox
    yield
    await app.state.dispatcher.stop()
    app.state.notifier.close()
    app.state.limits.close()
    app.state.database.close()


def _customer_ids_as_checked(schema: Any) -> Any:
    """Every ``customer_id`` property in the schema says what the server checks: a canonical UUID4.

    The shared pydantic model (``app.domain.models.BookingRequest``) allows any id, as the page's
    own validation does; the server refuses all but a UUID4 (``backend.core.bodies.check_customer_id``),
    so /openapi.json says so, and a client generated from it sends what will be accepted.
    """
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "customer_id" and isinstance(value, dict) and value.get("type") == "string":
                value.update(pattern=UUID4_PATTERN, minLength=36, maxLength=36)
            else:
                _customer_ids_as_checked(value)
    elif isinstance(schema, list):
        for item in schema:
            _customer_ids_as_checked(item)
    return schema


def _openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    default = app.openapi  # builds the schema once and caches it on the app

    def openapi() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        schema = default()
        if fresh:
            _customer_ids_as_checked(schema)
        return schema

    return openapi


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    # FastAPI's own /docs and /redoc load from a CDN: never. API_DOCS=1 serves ours (backend.docs).
    app = FastAPI(title="Chat Booking API", version="1.0.0", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.database = open_database(settings)  # SQLite or PostgreSQL, from DATABASE_URL
    app.state.catalog = Catalog.load(settings.catalog_path)
    app.state.notifier = make_notifier(app.state.database)  # in-process, or LISTEN/NOTIFY on PostgreSQL
    app.state.limits = limits_for(settings, app.state.database)
    app.state.outbox = Outbox(settings)  # events write their notifications with it (same transaction)
    app.state.dispatcher = Dispatcher(app.state.database, settings, app.state.notifier)

    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, page_policy=page_policy(settings.site_root),
                       frame_ancestors=settings.frame_origins, own_policies={DOCS_PATH: DOCS_POLICY})
    if settings.cors_origins:  # added last = outermost, so even a 413 carries CORS headers
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Content-Type", "Authorization", IDEMPOTENCY_HEADER])

    app.include_router(api_router)
    app.openapi = _openapi(app)  # type: ignore[method-assign]
    if settings.api_docs:
        app.include_router(docs_router())
    if settings.serve_site:
        # Last: the catch-all file route must not shadow /api/..., /docs or /openapi.json.
        app.include_router(site_router(settings.site_root))
    return app
