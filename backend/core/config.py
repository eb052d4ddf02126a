"""Settings of the reference backend: one ``Settings`` (pydantic-settings), read from the environment.

| variable              | default                   | meaning                                          |
|-----------------------|---------------------------|--------------------------------------------------|
| HOST / PORT           | 127.0.0.1 / 8000          | where ``python -m backend`` (``make serve``) listens |
| DATABASE_URL          | var/bookings.sqlite3      | SQLite file (``sqlite:///path`` or a plain path), |
|                       |                           | or ``postgresql://user:password@host:port/db``    |
|                       |                           | (``postgresql+psycopg://`` too); nothing else     |
| WORKERS               | 1                         | API processes (more than 1 needs PostgreSQL)     |
| DB_POOL_SIZE          | 10                        | PostgreSQL connections per process, at most      |
| DB_POOL_TIMEOUT       | 5                         | seconds a request waits for one, then 503        |
| BOOKING_ADMIN_TOKEN   | unset (listing refused)   | bearer token for ``GET /api/bookings``            |
| CORS_ALLOW_ORIGINS    | unset (same origin only)  | comma-separated origins allowed to call the API  |
| SERVE_SITE            | 1                         | also serve the page itself from this origin      |
| LOG_LEVEL             | info                      | uvicorn's log level                              |
| SITE_ROOT             | the repository            | folder whose page files are served (a build)     |
| CATALOG_PATH          | static/data/therapists.json | the therapist catalog the server checks against |
| API_DOCS              | 0                         | serve /docs (Swagger UI from our origin)         |
| FRAME_ANCESTORS       | unset (same origin only)  | space-separated origins that may frame the page  |
| TRUSTED_PROXIES       | unset (none)              | proxy IPs/networks whose X-Forwarded-For we trust |
|                       |                           | (uvicorn's proxy_headers / forwarded_allow_ips)  |
| RATE_LIMIT_STORE      | database                  | where rate counters live: database or memory     |
| RATE_LIMIT_WINDOW     | 60                        | seconds of one rate-limit window                 |
| RATE_LIMIT_WRITES     | 60                        | bookings + messages per client per window        |
| RATE_LIMIT_AUTH_FAILURES | 20                     | failed token checks per client per window        |
| REQUEST_READ_TIMEOUT  | 10                        | seconds a client has to send a whole request     |
| MAX_CONNECTIONS       | 1000                      | open connections (or requests) before 503        |
| MAX_CONNECTIONS_PER_CLIENT | 64                   | open connections per peer address (not proxies)  |
| BOOKING_REQUEST_TTL   | 1800                      | seconds a booking request waits for the therapist's |
|                       |                           | answer before it expires (or its start, if sooner) |
| BOOKING_SWEEP_INTERVAL | 1                        | seconds between two looks for overdue requests    |

The request body limit is a setting too (not read from the environment), so tests can change it.

Therapist tokens are not settings: the operator makes them with ``python -m backend therapist-token
<therapist_id>`` (``backend.cli``), stored hashed in the ``DATABASE_URL`` database.

Example::

    settings = Settings()                                   # from os.environ
    settings = Settings(DATABASE_URL="/tmp/b.sqlite3")      # explicit, e.g. in a test
    settings.database_path                                  # Path('/tmp/b.sqlite3')
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from backend.core.database_url import DatabaseUrl
from backend.core.paths import ROOT

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_BODY_BYTES = 16 * 1024
DEFAULT_DATABASE = "var/bookings.sqlite3"
ADMIN_TOKEN_MIN = 32
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


def _env(name: str) -> dict:
    # Accept the field name too, so code and tests can say Settings(database_url=...).
    return {"validation_alias": AliasChoices(name, name.lower())}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=True,
                                      populate_by_name=True)

    host: str = Field("127.0.0.1", **_env("HOST"))
    port: int = Field(8000, ge=0, le=65535, **_env("PORT"))
    database_url: str = Field(DEFAULT_DATABASE, **_env("DATABASE_URL"))
    workers: int = Field(1, ge=1, le=64, **_env("WORKERS"))
    db_pool_size: int = Field(10, ge=1, le=1000, **_env("DB_POOL_SIZE"))
    db_pool_timeout: float = Field(5.0, gt=0, le=300, **_env("DB_POOL_TIMEOUT"))
    admin_token: str | None = Field(None, **_env("BOOKING_ADMIN_TOKEN"))
    cors_allow_origins: str = Field("", **_env("CORS_ALLOW_ORIGINS"))
    serve_site: bool = Field(True, **_env("SERVE_SITE"))
    log_level: str = Field("info", **_env("LOG_LEVEL"))
    api_docs: bool = Field(False, **_env("API_DOCS"))
    frame_ancestors: str = Field("", **_env("FRAME_ANCESTORS"))
    trusted_proxies: str = Field("", **_env("TRUSTED_PROXIES"))
    rate_limit_store: Literal["database", "memory"] = Field("database", **_env("RATE_LIMIT_STORE"))
    rate_limit_window: float = Field(60.0, gt=0, le=3600, **_env("RATE_LIMIT_WINDOW"))
    rate_limit_writes: int = Field(60, ge=1, **_env("RATE_LIMIT_WRITES"))
    rate_limit_auth_failures: int = Field(20, ge=1, **_env("RATE_LIMIT_AUTH_FAILURES"))
    request_read_timeout: float = Field(10.0, gt=0, le=30, **_env("REQUEST_READ_TIMEOUT"))
    max_connections: int = Field(1000, ge=1, **_env("MAX_CONNECTIONS"))
    max_connections_per_client: int = Field(64, ge=1, **_env("MAX_CONNECTIONS_PER_CLIENT"))
    booking_request_ttl: int = Field(1800, ge=1, le=30 * 24 * 3600, **_env("BOOKING_REQUEST_TTL"))
    booking_sweep_interval: float = Field(1.0, gt=0, le=60, **_env("BOOKING_SWEEP_INTERVAL"))
    max_buffered_bytes: int = 64 * 1024
    site_root: Path = Field(ROOT, **_env("SITE_ROOT"))  # the page's files: the repository, or a build
    catalog_path: Path = Field(ROOT / "static" / "data" / "therapists.json", **_env("CATALOG_PATH"))
    max_body_bytes: int = MAX_BODY_BYTES

    @field_validator("admin_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return value or None  # BOOKING_ADMIN_TOKEN= (empty) means "not set", as before

    @field_validator("site_root", mode="after")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.resolve()

    @field_validator("admin_token")
    @classmethod
    def _long_enough(cls, value: str | None) -> str | None:
        if value is not None and len(value) < ADMIN_TOKEN_MIN:
            raise ValueError(f"BOOKING_ADMIN_TOKEN must be at least {ADMIN_TOKEN_MIN} characters "
                             "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')")
        return value

    @field_validator("frame_ancestors")
    @classmethod
    def _origins(cls, value: str) -> str:
        for origin in value.split():
            if not _ORIGIN.fullmatch(origin):
                raise ValueError(f"FRAME_ANCESTORS: {origin!r} is not an http(s) origin "
                                 "like https://shop.example (no path, no wildcard)")
        return " ".join(value.split())

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        for entry in value.replace(",", " ").split():
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"TRUSTED_PROXIES: {entry!r} is not an IP address or network") from None
        return value

    @field_validator("database_url", mode="before")
    @classmethod
    def _empty_is_default(cls, value: object) -> object:
        return value or DEFAULT_DATABASE

    @field_validator("database_url", mode="after")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        DatabaseUrl.parse(value, ROOT)  # a ValueError names the forms we take; the server stops (exit 2)
        return value

    @property
    def database(self) -> DatabaseUrl:
        return DatabaseUrl.parse(self.database_url, ROOT)

    @property
    def database_engine(self) -> str:
        return self.database.engine

    @property
    def database_path(self) -> Path:
        """The SQLite file (meaningless for PostgreSQL)."""
        return self.database.path or ROOT / DEFAULT_DATABASE

    @property
    def cors_origins(self) -> tuple[str, ...]:
        return tuple(o.strip() for o in self.cors_allow_origins.split(",") if o.strip())

    @property
    def frame_origins(self) -> tuple[str, ...]:
        return tuple(self.frame_ancestors.split())

    @property
    def proxy_networks(self) -> tuple[Network, ...]:
        return tuple(ipaddress.ip_network(e, strict=False) for e in self.trusted_proxies.replace(",", " ").split())
