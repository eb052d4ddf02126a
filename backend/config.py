"""Settings of the reference backend, read from environment variables.

| variable              | default                   | meaning                                         |
|-----------------------|---------------------------|-------------------------------------------------|
| HOST / PORT           | 127.0.0.1 / 8000          | where ``make serve`` listens                    |
| DATABASE_URL          | var/bookings.sqlite3      | SQLite file (``sqlite:///path`` or a plain path) |
| BOOKING_ADMIN_TOKEN   | unset (listing refused)   | bearer token for ``GET /api/bookings``           |
| CORS_ALLOW_ORIGINS    | unset (same origin only)  | comma-separated origins allowed to call the API |
| SERVE_SITE            | 1                         | also serve the page itself from this origin     |
| SITE_ROOT             | the repository            | folder whose page files are served (a build)    |

The therapist catalog (``static/data/therapists.json``, the file the page reads) and the request
body limit are settings too, so tests can point them elsewhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from backend.site_files import ROOT

MAX_BODY_BYTES = 16 * 1024


def _database_path(value: str) -> Path:
    for prefix in ("sqlite:///", "sqlite://"):
        if value.startswith(prefix):
            value = value[len(prefix):]
            break
    path = Path(value)
    return path if path.is_absolute() else ROOT / path


@dataclass(frozen=True)
class Settings:
    database_path: Path = field(default_factory=lambda: ROOT / "var" / "bookings.sqlite3")
    admin_token: str | None = None
    cors_origins: tuple[str, ...] = ()
    serve_site: bool = True
    site_root: Path = ROOT
    catalog_path: Path = field(default_factory=lambda: ROOT / "static" / "data" / "therapists.json")
    max_body_bytes: int = MAX_BODY_BYTES

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        return cls(
            database_path=_database_path(env.get("DATABASE_URL") or "var/bookings.sqlite3"),
            admin_token=env.get("BOOKING_ADMIN_TOKEN") or None,
            cors_origins=tuple(o.strip() for o in env.get("CORS_ALLOW_ORIGINS", "").split(",") if o.strip()),
            serve_site=env.get("SERVE_SITE", "1") not in ("0", "false", "no"),
            site_root=Path(env["SITE_ROOT"]).resolve() if env.get("SITE_ROOT") else ROOT,
        )
