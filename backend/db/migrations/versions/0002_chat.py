"""The two-sided chat: customers own their ids, therapists sign in with tokens.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("customer_id", sa.Text, primary_key=True),
        sa.Column("token_hash", sa.Text, nullable=False),  # sha256 of the first bearer token seen
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "therapist_tokens",
        sa.Column("token_hash", sa.Text, primary_key=True),  # sha256; the token itself is never stored
        sa.Column("therapist_id", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("revoked_at", sa.BigInteger),              # NULL while the token is valid
    )
    op.create_index("therapist_tokens_by_therapist", "therapist_tokens", ["therapist_id"])
    op.create_table(
        "conversations",
        sa.Column("session_id", sa.Text, primary_key=True),  # session_<therapist_id>_<customer_id>
        sa.Column("therapist_id", sa.Text, nullable=False),
        sa.Column("customer_id", sa.Text, nullable=False),
        sa.Column("customer_name", sa.Text),                 # from the latest booking, NULL before one
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("last_activity", sa.BigInteger, nullable=False),  # epoch ms of the last message/booking
        sa.Column("last_message", sa.Text, nullable=False, server_default=""),
        sa.Column("last_sender_type", sa.Text),
        sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),      # the newest seq
        sa.Column("read_through", sa.BigInteger, nullable=False, server_default="0"),  # read up to here
        sa.Column("version", sa.BigInteger, nullable=False, server_default="1"),  # +1 per change
    )
    op.create_index("conversations_by_therapist", "conversations", ["therapist_id", "last_activity"])
    op.create_table(
        "messages",
        sa.Column("session_id", sa.Text, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),     # per conversation, from last_seq
        sa.Column("id", sa.Text, nullable=False),            # the client's id: the idempotency key
        sa.Column("sender_type", sa.Text, nullable=False),
        sa.Column("sender_id", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),  # the client's clock, epoch ms
        sa.Column("server_time", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("session_id", "seq"),
        sa.UniqueConstraint("session_id", "id"),             # exactly once per id, even under races
    )


def downgrade() -> None:
    for table in ("messages", "conversations", "therapist_tokens", "customers"):
        op.drop_table(table)
