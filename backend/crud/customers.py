"""Who owns a customer id: the first bearer token seen with it (``customers`` table).

The page makes a random customer id and a random token and keeps both; the server binds
the id to the token's sha256 the first time it sees them together, and from then on
refuses that id with any other token. ``INSERT ... ON CONFLICT DO NOTHING`` then a read
makes the first writer win even when two requests race.

Example::

    claim(conn, customer_id, token)        # True: bound now, or already bound to this token
    claim(conn, customer_id, other_token)  # False → the route answers 403
    owns(conn, customer_id, token)         # True, without binding anything
"""

from __future__ import annotations

import sqlite3

from backend.crud.bookings import now_ms
from backend.core.security import same_hash, token_hash


def claim(conn: sqlite3.Connection, customer_id: str, token: str) -> bool:
    """Bind ``customer_id`` to ``token`` if unclaimed; True when the token owns the id."""
    wanted = token_hash(token)
    conn.execute("INSERT INTO customers (customer_id, token_hash, created_at) VALUES (?, ?, ?)"
                 " ON CONFLICT (customer_id) DO NOTHING", (customer_id, wanted, now_ms()))
    row = conn.execute("SELECT token_hash FROM customers WHERE customer_id = ?", (customer_id,)).fetchone()
    return row is not None and same_hash(row["token_hash"], wanted)


def owns(conn: sqlite3.Connection, customer_id: str, token: str) -> bool:
    """True when ``token`` already owns ``customer_id`` (never claims it)."""
    row = conn.execute("SELECT token_hash FROM customers WHERE customer_id = ?", (customer_id,)).fetchone()
    return row is not None and same_hash(row["token_hash"], token_hash(token))
