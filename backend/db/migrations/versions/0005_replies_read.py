"""Read receipts both ways: the therapist's replies up to this seq were shown to the customer.

Revision ID: 0005
Revises: 0004

The customer's page marks the therapist's replies read once it has shown them while visible (the
same rule as the therapist's read mark on the customer's messages), so the inbox can say ``Read``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("conversations", sa.Column("replies_read_through", sa.BigInteger, nullable=False,
                                             server_default="0"))


def downgrade() -> None:
    op.drop_column("conversations", "replies_read_through")
