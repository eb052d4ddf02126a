"""``DATABASE_URL`` as a value that knows its schemes: a SQLite file or a PostgreSQL server, nothing else.

    var/bookings.sqlite3, /srv/b.sqlite3       a SQLite file (relative to the repository)
    sqlite:///var/b.sqlite3, sqlite:////srv/b  the same, as a URL (three slashes + the path)
    postgresql://u:p@host:5432/db              PostgreSQL through psycopg 3
    postgres://…, postgresql+psycopg://…       the same (the second is the FastAPI template's form)

Anything else (``mysql://``, ``postgresql+asyncpg://``, ``sqlite://`` without a path, a string with
a scheme we do not know) is refused with a sentence naming the accepted forms: a typo must stop the
server, never turn into a folder named after the credentials holding a private SQLite file.

Example::

    url = DatabaseUrl.parse("postgresql+psycopg://app:secret@db:5432/bookings")
    url.engine          # "postgresql"
    url.sqlalchemy      # "postgresql+psycopg://app:secret@db:5432/bookings"
    url.redacted        # "postgresql+psycopg://app:***@db:5432/bookings"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
ACCEPTED = ("a file path, sqlite:///path, postgresql://user:password@host:port/db "
            "or postgresql+psycopg://user:password@host:port/db")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


@dataclass(frozen=True)
class DatabaseUrl:
    engine: Literal["sqlite", "postgresql"]
    path: Path | None      # the SQLite file (absolute), None for PostgreSQL
    sqlalchemy: str        # what sqlalchemy.create_engine takes

    @classmethod
    def parse(cls, text: str, root: Path) -> DatabaseUrl:
        """``text`` as given in the environment; relative SQLite paths are under ``root``."""
        value = text.strip()
        scheme = _SCHEME.match(value)
        if scheme is None:
            return cls._sqlite(value, root)
        name = scheme[1].lower()
        rest = value[len(scheme[0]):]
        if name == "sqlite":
            if not rest.startswith("///") or len(rest) == 3:
                raise ValueError(f"a SQLite URL is sqlite:/// followed by the file's path; use {ACCEPTED}")
            return cls._sqlite(rest[3:], root)
        if name in POSTGRES_SCHEMES:
            if not rest.startswith("//") or len(rest) == 2:
                raise ValueError(f"{name}: needs //host/database after it; use {ACCEPTED}")
            return cls("postgresql", None, "postgresql+psycopg:" + rest)
        raise ValueError(f"the scheme {name!r} is not supported; use {ACCEPTED}")

    @classmethod
    def _sqlite(cls, raw: str, root: Path) -> DatabaseUrl:
        if not raw:
            raise ValueError(f"no file given; use {ACCEPTED}")
        path = Path(raw)
        path = path if path.is_absolute() else root / path
        return cls("sqlite", path, f"sqlite+pysqlite:///{path}")

    @property
    def redacted(self) -> str:
        """The URL without its password, for messages and logs."""
        return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", self.sqlalchemy)

    @property
    def libpq(self) -> str:
        """The PostgreSQL URL as psycopg itself takes it (no ``+psycopg``)."""
        return self.sqlalchemy.replace("postgresql+psycopg://", "postgresql://", 1)
