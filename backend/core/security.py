"""Bearer tokens: their format, their hash, and the therapists' tokens table.

Tokens are random strings the server never stores: only their sha256 is kept, so a copy of
the database signs nobody in. Customers make their own token in the page (>= 128 random
bits); therapists get one from the operator CLI (``python -m backend therapist-token t-ayu``).

Example::

    token = new_token()                                   # 43 URL-safe characters
    issue_therapist_token(conn, "t-ayu", token)
    therapist_for_token(conn, token)                       # "t-ayu", None once revoked
    revoke_therapist_tokens(conn, "t-ayu")                 # 1
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3

from backend.crud.bookings import now_ms

TOKEN_PATTERN = r"^[A-Za-z0-9_-]{22,128}$"  # 22 base64url characters = 132 bits, the least we take
_TOKEN = re.compile(TOKEN_PATTERN)


def well_formed(token: str) -> bool:
    return _TOKEN.fullmatch(token) is not None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("ascii"), b.encode("ascii"))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def issue_therapist_token(conn: sqlite3.Connection, therapist_id: str, token: str) -> None:
    conn.execute("INSERT INTO therapist_tokens (token_hash, therapist_id, created_at) VALUES (?, ?, ?)",
                 (token_hash(token), therapist_id, now_ms()))


def revoke_therapist_tokens(conn: sqlite3.Connection, therapist_id: str) -> int:
    cursor = conn.execute("UPDATE therapist_tokens SET revoked_at = ? WHERE therapist_id = ?"
                          " AND revoked_at IS NULL", (now_ms(), therapist_id))
    return cursor.rowcount


def therapist_for_token(conn: sqlite3.Connection, token: str) -> str | None:
    """The therapist a valid, unrevoked token belongs to, else None."""
    wanted = token_hash(token)
    # Looked up by its hash, so timing tells nothing about the token; compared again in
    # constant time so that the check does not rest on the index alone.
    row = conn.execute("SELECT token_hash, therapist_id FROM therapist_tokens"
                       " WHERE token_hash = ? AND revoked_at IS NULL", (wanted,)).fetchone()
    if row is None or not same_hash(row["token_hash"], wanted):
        return None
    return str(row["therapist_id"])
