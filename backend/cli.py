"""``python -m backend``: serve (the default), or manage therapist tokens as the operator.

    python -m backend                                   serve at http://$HOST:$PORT/ (as before)
    python -m backend serve                             the same
    python -m backend --workers 4                       four API processes on one port (or WORKERS=4;
                                                        needs DATABASE_URL=postgresql://...)
    python -m backend therapist-token t-ayu             print a new token for t-ayu (alone on stdout)
    python -m backend therapist-token t-ayu --revoke    revoke every token of t-ayu
    python -m backend vapid-keys                        print a new Web Push key pair (VAPID_PRIVATE_KEY=...)
    python -m backend notifications                     the outbox: pending, delivered, failed (+ last errors)

Run from the project root; it uses the same DATABASE_URL as the server (the file is created
and migrated if needed). Only the token's sha256 is stored: the printed token cannot be
shown again, only replaced. Messages go to stderr so ``TOKEN=$(python -m backend ...)`` works.

Before serving, the database is migrated once (the workers then find it done); a database
newer than this code, or one that cannot be reached, stops here with a message on stderr.

Exit status: 0 done, 1 database refused or unreachable, 2 usage error (unknown therapist id,
several workers on SQLite, a refused setting such as a BOOKING_ADMIN_TOKEN shorter than 32
characters: the server does not start).
"""

from __future__ import annotations

import argparse
import sys

from pydantic import ValidationError

from backend.services.catalog import Catalog
from backend.core.config import Settings
from backend.core.security import new_token
from backend.crud import notifications as notifications_crud
from backend.crud.tokens import issue_therapist_token, revoke_therapist_tokens
from backend.db.engine import is_unavailable, open_database
from backend.db.migrations import SchemaTooNew
from backend.services.webpush import new_vapid_keys


def _settings() -> Settings | None:
    """Settings from the environment, or None after printing why they are refused (exit 2)."""
    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]).upper()
            message = str(error["msg"]).removeprefix("Value error, ")
            print(f"error: {where}: {message}" if where else f"error: {message}", file=sys.stderr)
        return None


def migrate(settings: Settings) -> int:
    """Bring the database up to date before any worker starts; 0, or 1 with the reason on stderr."""
    database = open_database(settings)
    try:
        database.migrate()
    except SchemaTooNew as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        print(f"error: the database cannot be reached ({settings.database.redacted}): {exc}", file=sys.stderr)
        return 1
    finally:
        database.close()
    return 0


def serve(workers: int | None = None) -> int:
    import uvicorn  # only the server needs it

    from backend.main import create_app
    from backend.http.server import WORKER_PROTOCOL, uvicorn_options

    settings = _settings()
    if settings is None:
        return 2
    workers = workers or settings.workers
    if workers > 1 and settings.database_engine == "sqlite":
        print("error: several workers need a shared database: set DATABASE_URL=postgresql://... "
              "(SQLite serves from one process, whose long polls are woken in memory)", file=sys.stderr)
        return 2
    status = migrate(settings)
    if status:
        return status
    host, port = settings.host, settings.port
    docs = f"http://{host}:{port}/docs" if settings.api_docs else f"http://{host}:{port}/openapi.json"
    print(f"Chat Booking: http://{host}:{port}/  (API: {docs}; "
          f"{settings.database_engine}, {workers} process{'es' if workers > 1 else ''})", flush=True)
    options = uvicorn_options(settings)
    if workers == 1:
        uvicorn.run(create_app(settings), **options)
    else:  # each worker process builds its own app (and pool, and LISTEN connection) from the environment
        options["http"] = WORKER_PROTOCOL  # an import string: a worker process cannot be handed a class
        uvicorn.run("backend.main:create_app", factory=True, workers=workers, **options)
    return 0


def therapist_token(therapist_id: str, revoke: bool) -> int:
    settings = _settings()
    if settings is None:
        return 2
    catalog = Catalog.load(settings.catalog_path)
    if therapist_id not in catalog.therapists:
        known = ", ".join(sorted(catalog.therapists))
        print(f"error: no therapist {therapist_id!r} in {settings.catalog_path} (known: {known})",
              file=sys.stderr)
        return 2
    database = open_database(settings)
    try:
        database.migrate()
        with database.connection() as conn:
            if revoke:
                count = revoke_therapist_tokens(conn, therapist_id)
                print(f"revoked {count} token(s) of {therapist_id}", file=sys.stderr)
                return 0
            token = new_token()
            issue_therapist_token(conn, therapist_id, token)
    finally:
        database.close()
    print(f"new token for {therapist_id} ({catalog.therapists[therapist_id].name}); "
          "it is shown only once", file=sys.stderr)
    print(token, flush=True)
    return 0


def vapid_keys() -> int:
    """A new key pair, as environment lines: the private key for the server, the public one for reference
    (the pages read it from ``GET /api/push/config``)."""
    private, public = new_vapid_keys()
    print(f"VAPID_PRIVATE_KEY={private}")
    print(f"# public key (applicationServerKey): {public}")
    print("# also set VAPID_SUBJECT=mailto:you@example.com (who push services may contact)", file=sys.stderr)
    return 0


def notifications_report() -> int:
    settings = _settings()
    if settings is None:
        return 2
    database = open_database(settings)
    try:
        database.migrate()
        with database.connection() as conn:
            counts = notifications_crud.counts(conn)
            failed = notifications_crud.failed_rows(conn)
    finally:
        database.close()
    print(" ".join(f"{status}: {count}" for status, count in counts.items()))
    for row in failed:
        print(f"failed {row.id} {row.type} -> {row.recipient} by {row.channel} after {row.attempts} "
              f"attempt(s): {row.last_error}")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m backend", description="Chat Booking reference backend.")
    workers_help = "API processes (default: $WORKERS or 1; more than 1 needs PostgreSQL)"
    root.add_argument("--workers", type=int, metavar="N", help=workers_help)
    commands = root.add_subparsers(dest="command")
    serve_command = commands.add_parser("serve", help="serve the API and the page (the default)")
    serve_command.add_argument("--workers", type=int, metavar="N", help=workers_help,
                               default=argparse.SUPPRESS)
    token = commands.add_parser("therapist-token", help="create (or --revoke) a therapist's bearer token")
    token.add_argument("therapist_id", help="a catalog id, e.g. t-ayu")
    token.add_argument("--revoke", action="store_true", help="revoke all of this therapist's tokens")
    commands.add_parser("vapid-keys", help="print a new Web Push (VAPID) key pair")
    commands.add_parser("notifications", help="report the notifications outbox: pending, delivered, failed")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "therapist-token":
        return therapist_token(args.therapist_id, args.revoke)
    if args.command == "vapid-keys":
        return vapid_keys()
    if args.command == "notifications":
        return notifications_report()
    return serve(args.workers)
