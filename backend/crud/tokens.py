"""The therapists' tokens table: issue, revoke, and who a token signs in (only sha256s are stored).

Example::

    issue_therapist_token(conn, "t-ayu", token)
    therapist_for_token(conn, token)                       # "t-ayu", None once revoked
    revoke_therapist_tokens(conn, "t-ayu")                 # 1
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from backend.core.clock import now_ms
from backend.core.security import same_hash, token_hash


def issue_therapist_token(conn: Connection, therapist_id: str, token: str) -> None:
    conn.execute(text("INSERT INTO therapist_tokens (token_hash, therapist_id, created_at) VALUES (:h, :t, :now)"),
                 {"h": token_hash(token), "t": therapist_id, "now": now_ms()})


def revoke_therapist_tokens(conn: Connection, therapist_id: str) -> int:
    cursor = conn.execute(text("UPDATE therapist_tokens SET revoked_at = :now WHERE therapist_id = :t"
                               " AND revoked_at IS NULL"), {"now": now_ms(), "t": therapist_id})
    return cursor.rowcount


def therapist_for_token(conn: Connection, token: str) -> str | None:
    """The therapist a valid, unrevoked token belongs to, else None."""
    wanted = token_hash(token)
    # Looked up by its hash, so timing tells nothing about the token; compared again in
    # constant time so that the check does not rest on the index alone.
    row = conn.execute(text("SELECT token_hash, therapist_id FROM therapist_tokens"
                            " WHERE token_hash = :h AND revoked_at IS NULL"), {"h": wanted}).first()
    if row is None or not same_hash(row.token_hash, wanted):
        return None
    return str(row.therapist_id)
