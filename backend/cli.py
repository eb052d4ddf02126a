"""``python -m backend``: serve (the default), or manage therapist tokens as the operator.

    python -m backend                                   serve at http://$HOST:$PORT/ (as before)
    python -m backend serve                             the same
    python -m backend therapist-token t-ayu             print a new token for t-ayu (alone on stdout)
    python -m backend therapist-token t-ayu --revoke    revoke every token of t-ayu

Run from the project root; it uses the same DATABASE_URL as the server (the file is created
and migrated if needed). Only the token's sha256 is stored: the printed token cannot be
shown again, only replaced. Messages go to stderr so ``TOKEN=$(python -m backend ...)`` works.

Exit status: 0 done, 2 usage error, unknown therapist id or a refused setting (e.g. a
BOOKING_ADMIN_TOKEN shorter than 32 characters: the server does not start).
"""

from __future__ import annotations

import argparse
import sys

from pydantic import ValidationError

from backend.catalog import Catalog
from backend.config import Settings
from backend.db import Database
from backend.tokens import issue_therapist_token, new_token, revoke_therapist_tokens


def _settings() -> Settings | None:
    """Settings from the environment, or None after printing why they are refused (exit 2)."""
    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]).upper()
            print(f"error: {where}: {str(error['msg']).removeprefix('Value error, ')}", file=sys.stderr)
        return None


def serve() -> int:
    import uvicorn  # only the server needs it

    from backend.main import create_app
    from backend.server import uvicorn_options

    settings = _settings()
    if settings is None:
        return 2
    host, port = settings.host, settings.port
    docs = f"http://{host}:{port}/docs" if settings.api_docs else f"http://{host}:{port}/openapi.json"
    print(f"Chat Booking: http://{host}:{port}/  (API: {docs})", flush=True)
    uvicorn.run(create_app(settings), **uvicorn_options(settings))
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
    database = Database(settings.database_path)
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


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m backend", description="Chat Booking reference backend.")
    commands = root.add_subparsers(dest="command")
    commands.add_parser("serve", help="serve the API and the page (the default)")
    token = commands.add_parser("therapist-token", help="create (or --revoke) a therapist's bearer token")
    token.add_argument("therapist_id", help="a catalog id, e.g. t-ayu")
    token.add_argument("--revoke", action="store_true", help="revoke all of this therapist's tokens")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "therapist-token":
        return therapist_token(args.therapist_id, args.revoke)
    return serve()
