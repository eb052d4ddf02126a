"""Alembic's entry point, for start-up (``backend.db.migrations.upgrade``) and by hand (``alembic upgrade head``).

One process migrates at a time, in one transaction with the version stamp: PostgreSQL takes an
advisory lock (``pg_advisory_xact_lock``), SQLite ``BEGIN IMMEDIATE``; the others wait, then find
the work done. Before upgrading, ``backend.db.migrations.adopt`` stamps a database made by the
code before Alembic at the revision matching its old version, and refuses one newer than us.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import text

from backend.db import migrations
from backend.db.engine import Database, transaction


def run() -> None:
    config = context.config
    database: Database | None = config.attributes.get("database")
    owned = database is None
    if database is None:  # `alembic upgrade head` by hand: the server's own DATABASE_URL
        from backend.core.config import Settings

        if config.config_file_name:
            fileConfig(config.config_file_name, disable_existing_loggers=False)  # "Running upgrade ..."

        database = Database(Settings().database)
    if database.engine == "sqlite":
        database.path.parent.mkdir(parents=True, exist_ok=True)  # before SQLite opens the file
    try:
        with database.connection() as conn:
            if database.engine == "sqlite":
                migrations.use_wal(conn, database)
            with transaction(conn):
                if database.engine == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": migrations.LOCK})
                migrations.adopt(conn, context.script, str(database.location.redacted))
                context.configure(connection=conn, target_metadata=None, transactional_ddl=True)
                context.run_migrations()
                migrations.fence_off_old_code(conn, database.engine)
    finally:
        if owned:
            database.close()


run()
