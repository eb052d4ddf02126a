"""The FastAPI application: the booking API under ``/api`` and, for ``make serve``, the page.

Example::

    app = create_app(Settings(database_path=Path("/tmp/b.sqlite3")))
"""

from __future__ import annotations

from fastapi import FastAPI

from backend.config import Settings
from backend.site import site_router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    app = FastAPI(title="Chat Booking API", version="1.0.0")
    app.state.settings = settings

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    if settings.serve_site:
        # Last: the catch-all file route must not shadow /api/... or /docs.
        app.include_router(site_router(settings.site_root))
    return app
