"""outbox: deliveries Firebell owes Slack

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("lease_until", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("settled_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_deliveries_state_next", "deliveries", ["state", "next_attempt_at"])
    op.create_index("ix_deliveries_incident", "deliveries", ["incident_id", "id"])
    with op.batch_alter_table("pages") as pages:
        pages.add_column(sa.Column("settled_at", storage.types.UTCDateTime(timezone=True), nullable=True))
        pages.add_column(sa.Column("delayed_seconds", sa.Integer(), nullable=True))
        pages.add_column(sa.Column("delay_told", sa.Boolean(), nullable=False, server_default=sa.false()))
    # Pages left `sending` by a crash before the outbox existed cannot be retried: say so.
    op.execute("UPDATE pages SET status = 'failed', reason = 'lost_before_upgrade' WHERE status = 'sending'")


def downgrade() -> None:
    with op.batch_alter_table("pages") as pages:
        pages.drop_column("delay_told")
        pages.drop_column("delayed_seconds")
        pages.drop_column("settled_at")
    op.drop_index("ix_deliveries_incident", table_name="deliveries")
    op.drop_index("ix_deliveries_state_next", table_name="deliveries")
    op.drop_table("deliveries")
