"""Notifications: a transactional outbox of deliveries, and the browsers' Web Push subscriptions.

Revision ID: 0007
Revises: 0005 (re-chained after the booking lifecycle's 0006 when the branches meet)

``notifications``: one row per event x recipient x channel (a webhook row, or one push row per
subscription of the recipient), written in the event's own transaction with a stable id; the
dispatcher (``backend.services.dispatcher``) claims due rows, delivers, and records the outcome.
``push_subscriptions``: a browser's PushSubscription, keyed by its endpoint, owned by a therapist
or a customer id.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Text, primary_key=True),           # ntf_<hash of event, recipient, channel, target>
        sa.Column("event_key", sa.Text, nullable=False),      # e.g. message:<session_id>:<seq>
        sa.Column("type", sa.Text, nullable=False),           # message, reply, booking_requested, ...
        sa.Column("channel", sa.Text, nullable=False),        # webhook | push
        sa.Column("recipient", sa.Text, nullable=False),      # therapist | customer
        sa.Column("therapist_id", sa.Text, nullable=False),
        sa.Column("customer_id", sa.Text, nullable=False),
        sa.Column("session_id", sa.Text, nullable=False),
        sa.Column("booking_id", sa.Text),                     # the booking it is about, if any
        sa.Column("seq", sa.BigInteger),                      # the message's seq: read by then -> dropped
        sa.Column("endpoint", sa.Text),                       # push: the subscription it goes to
        sa.Column("status", sa.Text, nullable=False),         # pending | delivered | failed | dropped
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.BigInteger, nullable=False),  # epoch ms: due, or leased until
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("finished_at", sa.BigInteger),
        sa.Column("last_error", sa.Text),
        sa.Column("payload", sa.Text, nullable=False),        # JSON, as delivered (push: before encryption)
    )
    op.create_index("notifications_due", "notifications", ["status", "next_attempt_at"])
    op.create_index("notifications_by_booking", "notifications", ["booking_id"])
    op.create_table(
        "push_subscriptions",
        sa.Column("endpoint", sa.Text, primary_key=True),
        sa.Column("owner_type", sa.Text, nullable=False),     # therapist | customer
        sa.Column("owner_id", sa.Text, nullable=False),       # the therapist id / the customer id
        sa.Column("p256dh", sa.Text, nullable=False),         # the browser's P-256 key, base64url
        sa.Column("auth", sa.Text, nullable=False),           # its 16-byte auth secret, base64url
        sa.Column("language", sa.Text, nullable=False, server_default="en"),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_index("push_subscriptions_by_owner", "push_subscriptions", ["owner_type", "owner_id"])


def downgrade() -> None:
    op.drop_table("push_subscriptions")
    op.drop_table("notifications")
