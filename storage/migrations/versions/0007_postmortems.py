"""postmortems: post-mortems, action items and report snapshots

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "postmortems",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("due_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("published_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("published_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id"),
    )
    op.create_table(
        "action_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("done_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("done_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_action_items_owner_status", "action_items", ["owner_id", "status"])
    op.create_index("ix_action_items_status_due", "action_items", ["status", "due_at"])
    op.create_index("ix_action_items_incident", "action_items", ["incident_id", "id"])
    op.create_table(
        "report_snapshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("period_start", storage.types.UTCDateTime(), nullable=False),
        sa.Column("period_end", storage.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("headline", sa.JSON(), nullable=False),
        sa.Column("occurrence_key", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("occurrence_key"),
    )
    op.create_index("ix_report_snapshots_created", "report_snapshots", ["created_at"])
    # Reports read incidents declared in a window from this index alone; downtime also looks up the ones
    # resolved after the window starts, or still open.
    op.create_index("ix_incidents_report", "incidents", [
        "declared_at", "severity", "service", "status", "time_to_ack_seconds", "time_to_resolve_seconds",
        "mitigated_at", "resolved_at"])
    op.create_index("ix_incidents_resolved_at", "incidents", ["resolved_at"])
    op.create_index("ix_pages_at", "pages", ["at"])


def downgrade() -> None:
    op.drop_index("ix_pages_at", table_name="pages")
    op.drop_index("ix_incidents_resolved_at", table_name="incidents")
    op.drop_index("ix_incidents_report", table_name="incidents")
    op.drop_index("ix_report_snapshots_created", table_name="report_snapshots")
    op.drop_table("report_snapshots")
    op.drop_index("ix_action_items_incident", table_name="action_items")
    op.drop_index("ix_action_items_status_due", table_name="action_items")
    op.drop_index("ix_action_items_owner_status", table_name="action_items")
    op.drop_table("action_items")
    op.drop_table("postmortems")
