"""checklists maintenance

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 22:16:43.746560
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('checklist_runs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('template', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('started_by', sa.String(length=32), nullable=True),
    sa.Column('started_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('completed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_by', sa.String(length=32), nullable=True),
    sa.Column('occurrence_key', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('occurrence_key')
    )
    with op.batch_alter_table('checklist_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklist_runs_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checklist_runs_state'), ['state'], unique=False)
        batch_op.create_index('ix_checklist_runs_template_started', ['template', 'started_at'], unique=False)

    op.create_table('maintenance_windows',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('services', sa.JSON(), nullable=False),
    sa.Column('starts_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=32), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_by', sa.String(length=32), nullable=True),
    sa.Column('cancelled_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('occurrence_key', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('occurrence_key')
    )
    with op.batch_alter_table('maintenance_windows', schema=None) as batch_op:
        batch_op.create_index('ix_maintenance_window_time', ['state', 'starts_at', 'ends_at'], unique=False)

    op.create_table('checklist_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('item_index', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('by', sa.String(length=32), nullable=True),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['checklist_runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('checklist_events', schema=None) as batch_op:
        batch_op.create_index('ix_checklist_events_run', ['run_id', 'id'], unique=False)

    op.create_table('checklist_item_states',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('item_index', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('by', sa.String(length=32), nullable=True),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['checklist_runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('run_id', 'item_index')
    )



def downgrade() -> None:

    op.drop_table('checklist_item_states')
    with op.batch_alter_table('checklist_events', schema=None) as batch_op:
        batch_op.drop_index('ix_checklist_events_run')

    op.drop_table('checklist_events')
    with op.batch_alter_table('maintenance_windows', schema=None) as batch_op:
        batch_op.drop_index('ix_maintenance_window_time')

    op.drop_table('maintenance_windows')
    with op.batch_alter_table('checklist_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_checklist_runs_template_started')
        batch_op.drop_index(batch_op.f('ix_checklist_runs_state'))
        batch_op.drop_index(batch_op.f('ix_checklist_runs_incident_id'))

    op.drop_table('checklist_runs')

