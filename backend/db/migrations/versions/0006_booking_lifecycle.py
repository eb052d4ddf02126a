"""The booking lifecycle (issue 17): a status, a held time, who changed it when and why.

Revision ID: 0006
Revises: 0005

- ``bookings`` gain ``status`` (requested, confirmed, declined, expired, cancelled, completed),
  ``starts_at``/``ends_at`` (epoch ms, UTC), the held range ``hold_start``..``hold_end`` (the
  session plus the therapist's buffer), ``expires_at`` (a request nobody answers by then expires),
  the therapist's ``time_zone``/``time_zone_label`` as booked, and ``status_reason``,
  ``status_changed_at``, ``status_changed_by``. Bookings stored before this revision become
  ``confirmed`` with no time ("Time to be agreed"): they hold no time.
- ``booking_events``: every transition (who, when, from, to, why), in the transaction that made it.
- ``booking_actions``: the Idempotency-Key of each action (accept, decline, cancel, complete) per
  actor, with the answer given, so a replay gets the first answer.
- ``messages.event_json``: a system message's BookingEvent.

On PostgreSQL an exclusion constraint keeps two holding bookings of one therapist from
overlapping, whatever the number of processes (``btree_gist`` for the ``=`` on the therapist,
trusted since PostgreSQL 13). SQLite has one writer: the check runs inside ``BEGIN IMMEDIATE``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ROWID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NO_OVERLAP = "bookings_no_overlapping_holds"


def upgrade() -> None:
    columns = [
        sa.Column("status", sa.Text, nullable=False, server_default="confirmed"),
        sa.Column("starts_at", sa.BigInteger),      # epoch ms; NULL: a booking from before times
        sa.Column("ends_at", sa.BigInteger),
        sa.Column("hold_start", sa.BigInteger),     # = starts_at
        sa.Column("hold_end", sa.BigInteger),       # = ends_at + the therapist's buffer
        sa.Column("expires_at", sa.BigInteger),     # requests only
        sa.Column("time_zone", sa.Text, nullable=False, server_default=""),
        sa.Column("time_zone_label", sa.Text, nullable=False, server_default=""),
        sa.Column("status_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("status_changed_at", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("status_changed_by", sa.Text),
    ]
    for column in columns:
        op.add_column("bookings", column)
    op.execute("UPDATE bookings SET status_changed_at = created_at")
    op.create_index("bookings_holds", "bookings", ["therapist_id", "hold_start"])
    op.create_index("bookings_by_therapist_start", "bookings", ["therapist_id", "starts_at"])
    op.create_index("bookings_expiring", "bookings", ["status", "expires_at"])
    op.add_column("messages", sa.Column("event_json", sa.Text))
    op.create_table(
        "booking_events",
        sa.Column("seq", ROWID, sa.Identity(), primary_key=True),
        sa.Column("booking_id", sa.Text, nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False),             # epoch ms
        sa.Column("actor", sa.Text, nullable=False),                # customer / therapist / system
        sa.Column("actor_id", sa.Text, nullable=False),             # customer id, therapist id, 'system'
        sa.Column("action", sa.Text, nullable=False),               # request, accept, decline, ...
        sa.Column("from_status", sa.Text),                          # NULL for the request itself
        sa.Column("to_status", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("booking_events_by_booking", "booking_events", ["booking_id", "seq"])
    op.create_table(
        "booking_actions",
        sa.Column("actor", sa.Text, nullable=False),                # 'customer:<id>' / 'therapist:<id>'
        sa.Column("idempotency_key", sa.Text, nullable=False),
        sa.Column("booking_id", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("request_hash", sa.Text, nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),       # the first answer's status...
        sa.Column("answer_json", sa.Text, nullable=False),          # ...and body
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("actor", "idempotency_key"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(f"ALTER TABLE bookings ADD CONSTRAINT {NO_OVERLAP} EXCLUDE USING gist"
                   " (therapist_id WITH =, int8range(hold_start, hold_end) WITH &&)"
                   " WHERE (status IN ('requested', 'confirmed') AND hold_start IS NOT NULL)")


def downgrade() -> None:
    raise NotImplementedError("a booking's status and history cannot be forgotten")
