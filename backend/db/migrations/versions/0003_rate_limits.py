"""Rate limits shared by every process; customer ids used before tokens were required are locked.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("bucket", sa.Text, primary_key=True),        # <kind>:<client>
        sa.Column("window_start", sa.BigInteger, nullable=False),
        sa.Column("hits", sa.BigInteger, nullable=False),
    )
    # Customer ids used without a token (bookings before tokens were required) are locked: no token
    # may claim them now and read their bookings. The hash is not hex, so no sha256 ever matches it.
    op.execute("INSERT INTO customers (customer_id, token_hash, created_at)"
               " SELECT DISTINCT customer_id, 'unclaimable', 0 FROM bookings"
               " WHERE customer_id NOT IN (SELECT customer_id FROM customers)")


def downgrade() -> None:
    op.drop_table("rate_limits")
