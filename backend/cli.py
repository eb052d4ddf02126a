"""``python -m backend``: serve (the default), or manage therapist tokens as the operator.

    python -m backend                                   serve at http://$HOST:$PORT/ (as before)
    python -m backend serve                             the same
    python -m backend therapist-token t-ayu             print a new token for t-ayu (alone on stdout)
    python -m backend therapist-token t-ayu --revoke    revoke every token of t-ayu

Run from the project root; it uses the same DATABASE_URL as the server (the file is created
and migrated if needed). Only the token's sha256 is stored: the printed token cannot be
shown again, only replaced. Messages go to stderr so ``TOKEN=$(python -m backend ...)`` works.

Exit status: 0 done, 2 usage error or unknown therapist id.
"""

from __future__ import annotations

import argparse
import sys

from backend.catalog import Catalog
from backend.config import Settings
from backend.db import Database
from backend.tokens import issue_therapist_token, new_token, revoke_therapist_tokens


def serve() -> int:
    import uvicorn  # only the server needs it

    from backend.main import create_app

    settings = Settings()
    host, port = settings.host, settings.port
    print(f"Chat Booking: http://{host}:{port}/  (API docs: http://{host}:{port}/docs)", flush=True)
    uvicorn.run(create_app(settings), host=host, port=port, log_level=settings.log_level)
    return 0


def therapist_token(therapist_id: str, revoke: bool) -> int:
    settings = Settings()
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
