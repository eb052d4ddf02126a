"""Alembic's history of the schema, for both engines (``versions/``), and how a database joins it.

``upgrade(database)`` runs at start-up (``Database.migrate``); ``alembic upgrade head`` (the
repository's ``alembic.ini``) does the same by hand. A database made before Alembic recorded its
version in ``PRAGMA user_version`` (SQLite) or a ``schema_migrations`` table (PostgreSQL); revision
``000N`` is exactly that code's migration N, so such a database is *adopted*: stamped at ``000N``
and upgraded from there, its rows untouched. A database whose revision (or old version) is newer
than this code is refused (``SchemaTooNew``); ``python -m backend`` then exits 1 with the message.

Afterwards the old markers say "newer than you" (user_version / schema_migrations = 1000), so the
code before Alembic refuses this database instead of migrating it again.

Example::

    upgrade(database)                   # "0004" (the head), after adopting or creating the schema
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

if TYPE_CHECKING:
    from backend.db.engine import Database

HERE = Path(__file__).resolve().parent
LOCK = 0x43484254  # "CHBT": the advisory lock every process takes to migrate (PostgreSQL)
LEGACY_FENCE = 1000  # what the pre-Alembic markers are set to once Alembic owns the schema
# Alembic's context and op are process-wide proxies: one upgrade per process at a time (processes
# wait for each other on the database's own lock, in env.py).
_ONE_AT_A_TIME = threading.Lock()


class SchemaTooNew(RuntimeError):
    """The database was migrated by newer code than this: refuse to run rather than guess."""

    def __init__(self, where: str, found: str, head: str) -> None:
        super().__init__(f"{where}: the database schema is at revision {found}, newer than this code "
                         f"(which knows up to {head}); run the newer code or restore a backup.")
        self.found = found


def config(database: Database | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["database"] = database
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(config()).get_current_head() or ""


def upgrade(database: Database) -> str:
    with _ONE_AT_A_TIME:
        command.upgrade(config(database), "head")
    return head()


def use_wal(conn: Connection, database: Database) -> None:
    """SQLite: switch the file to WAL (outside any transaction)."""
    mode = conn.exec_driver_sql("PRAGMA journal_mode = WAL").scalar_one()
    if str(mode).lower() != "wal":
        raise RuntimeError(f"{database.path}: SQLite refused WAL mode (journal_mode={mode})")


def _legacy_version(conn: Connection) -> int:
    """The version the code before Alembic recorded (0: none)."""
    if conn.dialect.name == "sqlite":
        return int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())
    if not inspect(conn).has_table("schema_migrations"):
        return 0
    return int(conn.execute(text("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")).scalar_one())


def adopt(conn: Connection, script: ScriptDirectory, where: str) -> None:
    """Stamp a pre-Alembic database at its matching revision; refuse one newer than this code."""
    newest = script.get_current_head() or ""
    current = MigrationContext.configure(conn).get_current_heads()
    for revision in current:
        if not _known(script, revision):
            raise SchemaTooNew(where, revision, newest)
    if current:
        return
    legacy = _legacy_version(conn)
    if legacy == 0:
        return  # a new database: Alembic creates everything
    revision = f"{legacy:04d}"
    if legacy >= LEGACY_FENCE or not _known(script, revision):
        raise SchemaTooNew(where, f"version {legacy} (before Alembic)", newest)
    MigrationContext.configure(conn).stamp(script, revision)


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:  # noqa: BLE001 - alembic raises several kinds for "unknown revision"
        return False


def fence_off_old_code(conn: Connection, engine: str) -> None:
    """Make the code before Alembic refuse this database (it reads only its own markers)."""
    if engine == "sqlite":
        conn.exec_driver_sql(f"PRAGMA user_version = {LEGACY_FENCE}")
    elif inspect(conn).has_table("schema_migrations"):
        conn.execute(text("INSERT INTO schema_migrations (version) VALUES (:v) ON CONFLICT DO NOTHING"),
                     {"v": LEGACY_FENCE})
