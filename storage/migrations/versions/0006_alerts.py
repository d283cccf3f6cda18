"""alerts: intake rows stored before the 202, alert groups (incident keys) and de-duplicated alerts

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "alert_intake",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("alert_count", sa.Integer(), nullable=False),
        _when("received_at", nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        _when("lease_until"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("processed_at"),
        sa.Column("outcome", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alert_intake_state_id", "alert_intake", ["state", "id"])
    op.create_table(
        "alert_groups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("group_key", sa.String(length=255), nullable=False),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id", ondelete="SET NULL"), nullable=True),
        _when("opened_at", nullable=False),
        sa.Column("live_channel", sa.String(length=32), nullable=True),
        sa.Column("live_ts", sa.String(length=32), nullable=True),
        _when("resolve_prompted_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "group_key"),
    )
    op.create_index("ix_alert_groups_incident_id", "alert_groups", ["incident_id"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("alert_key", sa.String(length=255), nullable=False),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("alert_groups.id", ondelete="SET NULL"), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=True),
        sa.Column("service", sa.String(length=200), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        _when("first_seen", nullable=False),
        _when("last_seen", nullable=False),
        _when("resolved_at"),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("suppressed_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "alert_key"),
    )
    op.create_index("ix_alerts_group_status", "alerts", ["group_id", "status"])
    op.create_index("ix_alerts_window", "alerts", ["suppressed_by"])
    op.create_index("ix_alerts_incident_id", "alerts", ["incident_id"])


def downgrade() -> None:
    op.drop_table("alerts")
    op.drop_table("alert_groups")
    op.drop_index("ix_alert_intake_state_id", table_name="alert_intake")
    op.drop_table("alert_intake")
