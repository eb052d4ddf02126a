"""Who owns a customer id: the first bearer token seen with it (``customers`` table).

The page makes a random customer id and a random token and keeps both; the server binds
the id to the token's sha256 the first time it sees them together, and from then on
refuses that id with any other token. A read comes first (every authenticated request asks,
long polls included, and a read takes no write lock); only an unknown id is inserted, with
``ON CONFLICT DO NOTHING`` then a read, so the first writer wins even when two requests race.

Example::

    claim(conn, customer_id, token)        # True: bound now, or already bound to this token
    claim(conn, customer_id, other_token)  # False → the route answers 403
    owns(conn, customer_id, token)         # True, without binding anything
"""

from __future__ import annotations

from sqlalchemy import Connection, text
from backend.db.engine import one_writer

from backend.core.clock import now_ms
from backend.core.security import same_hash, token_hash

_OWNER = text("SELECT token_hash FROM customers WHERE customer_id = :c")
_CLAIM = text("INSERT INTO customers (customer_id, token_hash, created_at) VALUES (:c, :h, :now)"
              " ON CONFLICT (customer_id) DO NOTHING RETURNING token_hash")


def claim(conn: Connection, customer_id: str, token: str) -> bool:
    """Bind ``customer_id`` to ``token`` if unclaimed; True when the token owns the id."""
    wanted = token_hash(token)
    owner = conn.execute(_OWNER, {"c": customer_id}).scalar()
    if owner is None:  # RETURNING gives the row only if this insert made it; else a racing twin did
        with one_writer(conn):
            owner = conn.execute(_CLAIM, {"c": customer_id, "h": wanted, "now": now_ms()}).scalar()
    if owner is None:
        owner = conn.execute(_OWNER, {"c": customer_id}).scalar()
    return owner is not None and same_hash(owner, wanted)


def owns(conn: Connection, customer_id: str, token: str) -> bool:
    """True when ``token`` already owns ``customer_id`` (never claims it)."""
    owner = conn.execute(_OWNER, {"c": customer_id}).scalar()
    return owner is not None and same_hash(owner, token_hash(token))
