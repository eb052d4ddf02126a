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
| VAPID_PRIVATE_KEY     | unset (push off)          | Web Push signing key (``python -m backend vapid-keys``) |
| VAPID_SUBJECT         | unset (push off)          | ``mailto:`` or ``https:`` contact in the VAPID JWT |
| PUSH_SERVICES         | the four browsers' push   | comma-separated https origins a subscription may |
|                       | services (see below)      | name; ``https://*.x.com`` = any subdomain of x.com |
| NOTIFY_WEBHOOK_URL    | unset (webhook off)       | http(s) URL that gets every notification, signed |
| NOTIFY_WEBHOOK_SECRET | unset                     | HMAC key of the signature (needed with the URL)  |
| NOTIFY_WEBHOOK_TIMEOUT | 10                       | seconds a webhook or push service has to answer  |
| NOTIFY_DELAY          | 60                        | seconds a message waits: dropped if read by then |
| NOTIFY_MAX_ATTEMPTS   | 8                         | deliveries tried before a row is ``failed``      |
| NOTIFY_RETRY_BASE     | 15                        | first retry delay (s); x4 a try, +-20 % jitter   |
| NOTIFY_POLL           | 1                         | seconds between the dispatcher's looks for due rows |
| NOTIFY_CONCURRENCY    | 8                         | deliveries in flight per channel per process     |
| REMINDER_MINUTES      | 60                        | reminder this long before a confirmed start      |

The request body limit is a setting too (not read from the environment), so tests can change it.

Therapist tokens are not settings: the operator makes them with ``python -m backend therapist-token
<therapist_id>`` (``backend.cli``), stored hashed in the ``DATABASE_URL`` database.

Example::

    settings = Settings()                                   # from os.environ
    settings = Settings(DATABASE_URL="/tmp/b.sqlite3")      # explicit, e.g. in a test
    settings.database_path                                  # Path('/tmp/b.sqlite3')
"""

from __future__ import annotations

import base64
import ipaddress
import re
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives import serialization
from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from backend.core.database_url import DatabaseUrl
from backend.core.paths import ROOT

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_BODY_BYTES = 16 * 1024
DEFAULT_DATABASE = "var/bookings.sqlite3"
ADMIN_TOKEN_MIN = 32
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
_PUSH_ORIGIN = re.compile(r"^https?://(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
# Chrome/Android (FCM), Firefox (Mozilla autopush), Edge (WNS, a host per region), Safari (APNs web push).
DEFAULT_PUSH_SERVICES = ("https://fcm.googleapis.com,https://updates.push.services.mozilla.com,"
                         "https://*.notify.windows.com,https://web.push.apple.com")


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
    max_buffered_bytes: int = 64 * 1024
    site_root: Path = Field(ROOT, **_env("SITE_ROOT"))  # the page's files: the repository, or a build
    catalog_path: Path = Field(ROOT / "static" / "data" / "therapists.json", **_env("CATALOG_PATH"))
    max_body_bytes: int = MAX_BODY_BYTES
    # Notifications (backend.services.notifications): Web Push and a signed webhook.
    vapid_private_key: str | None = Field(None, **_env("VAPID_PRIVATE_KEY"))
    vapid_subject: str | None = Field(None, **_env("VAPID_SUBJECT"))
    push_services: str = Field(DEFAULT_PUSH_SERVICES, **_env("PUSH_SERVICES"))
    notify_webhook_url: str | None = Field(None, **_env("NOTIFY_WEBHOOK_URL"))
    notify_webhook_secret: str | None = Field(None, **_env("NOTIFY_WEBHOOK_SECRET"))
    notify_webhook_timeout: float = Field(10.0, gt=0, le=300, **_env("NOTIFY_WEBHOOK_TIMEOUT"))
    notify_delay: float = Field(60.0, ge=0, le=86400, **_env("NOTIFY_DELAY"))
    notify_max_attempts: int = Field(8, ge=1, le=50, **_env("NOTIFY_MAX_ATTEMPTS"))
    notify_retry_base: float = Field(15.0, gt=0, le=86400, **_env("NOTIFY_RETRY_BASE"))
    notify_poll: float = Field(1.0, gt=0, le=60, **_env("NOTIFY_POLL"))
    notify_concurrency: int = Field(8, ge=1, le=256, **_env("NOTIFY_CONCURRENCY"))
    reminder_minutes: int = Field(60, ge=0, le=10080, **_env("REMINDER_MINUTES"))

    @field_validator("admin_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return value or None  # BOOKING_ADMIN_TOKEN= (empty) means "not set", as before

    @field_validator("vapid_private_key", "vapid_subject", "notify_webhook_url", "notify_webhook_secret",
                     mode="before")
    @classmethod
    def _empty_means_off(cls, value: object) -> object:
        return value or None  # VAPID_PRIVATE_KEY= (empty) turns push off, as unset does

    @field_validator("vapid_private_key")
    @classmethod
    def _signing_key(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            raw = base64.urlsafe_b64decode(value.strip() + "=" * (-len(value.strip()) % 4))
            if len(raw) != 32:
                serialization.load_der_private_key(raw, password=None)
        except ValueError:
            raise ValueError("is not a P-256 private key "
                             "(make one with python -m backend vapid-keys)") from None
        return value.strip()

    @field_validator("vapid_subject")
    @classmethod
    def _contact(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("mailto:", "https://")):
            raise ValueError("must be a mailto: or https:// contact (RFC 8292), "
                             "like mailto:ops@example.com")
        return value

    @field_validator("push_services")
    @classmethod
    def _push_origins(cls, value: str) -> str:
        origins = [o.strip() for o in value.split(",") if o.strip()]
        for origin in origins:
            if not _PUSH_ORIGIN.fullmatch(origin):
                raise ValueError(f"{origin!r} is not an origin like https://push.example "
                                 "(no path; https://*.example.com for any subdomain)")
        return ",".join(origins)

    @field_validator("notify_webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s]*)?", value):
            raise ValueError("must be an http:// or https:// URL (no other scheme is sent to)")
        return value

    @model_validator(mode="after")
    def _webhook_signed(self) -> "Settings":
        if self.notify_webhook_url and not self.notify_webhook_secret:
            raise ValueError("NOTIFY_WEBHOOK_SECRET must be set with NOTIFY_WEBHOOK_URL "
                             "(the receiver checks every body's signature with it)")
        return self

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

    @property
    def push_enabled(self) -> bool:
        """Web Push is on when both VAPID settings are given."""
        return bool(self.vapid_private_key and self.vapid_subject)

    @property
    def push_origins(self) -> tuple[str, ...]:
        return tuple(self.push_services.split(",")) if self.push_services else ()
