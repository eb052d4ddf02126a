"""Bookings: one row per Idempotency-Key.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# 64-bit everywhere (SQLite's INTEGER is; PostgreSQL's is not). A SQLite rowid key must be spelled
# INTEGER to be the rowid; on PostgreSQL it is an identity column.
ROWID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "bookings",
        sa.Column("seq", ROWID, sa.Identity(), primary_key=True),  # insertion order, breaks created_at ties
        sa.Column("id", sa.Text, nullable=False, unique=True),     # public id, 'bk_' + random token
        sa.Column("idempotency_key", sa.Text, nullable=False, unique=True),
        sa.Column("request_hash", sa.Text, nullable=False),        # sha256 of the canonical request body
        sa.Column("customer_id", sa.Text, nullable=False),
        sa.Column("therapist_id", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),    # epoch milliseconds
        sa.Column("booking_json", sa.Text, nullable=False),        # the validated BookingRequest
    )
    op.create_index("bookings_by_customer", "bookings", ["customer_id", "created_at"])
    op.create_index("bookings_by_time", "bookings", ["created_at"])


def downgrade() -> None:
    op.drop_table("bookings")
