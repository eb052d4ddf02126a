"""An Idempotency-Key is unique per customer, not across all customers.

Revision ID: 0004
Revises: 0003

Two customers whose pages happened to make the same key each get their booking (before, the second
one was refused, or shown the first one's). SQLite cannot drop a table's UNIQUE constraint, so its
bookings table is rebuilt (rows, seq and indexes kept); PostgreSQL swaps the constraint.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = "seq, id, idempotency_key, request_hash, customer_id, therapist_id, created_at, booking_json"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("bookings_idempotency_key_key", "bookings", type_="unique")
        op.create_unique_constraint("bookings_customer_key", "bookings", ["customer_id", "idempotency_key"])
        return
    op.create_table(
        "bookings_new",
        sa.Column("seq", sa.Integer, primary_key=True),  # INTEGER PRIMARY KEY: the rowid, as before
        sa.Column("id", sa.Text, nullable=False, unique=True),
        sa.Column("idempotency_key", sa.Text, nullable=False),
        sa.Column("request_hash", sa.Text, nullable=False),
        sa.Column("customer_id", sa.Text, nullable=False),
        sa.Column("therapist_id", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("booking_json", sa.Text, nullable=False),
        sa.UniqueConstraint("customer_id", "idempotency_key", name="bookings_customer_key"),
    )
    op.execute(f"INSERT INTO bookings_new ({COLUMNS}) SELECT {COLUMNS} FROM bookings")
    op.drop_table("bookings")
    op.rename_table("bookings_new", "bookings")
    op.create_index("bookings_by_customer", "bookings", ["customer_id", "created_at"])
    op.create_index("bookings_by_time", "bookings", ["created_at"])


def downgrade() -> None:
    raise NotImplementedError("keys shared by two customers cannot be made unique again")
