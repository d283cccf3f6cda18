"""rotations

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 22:14:44.410279
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('handoff_notices',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('rotation', sa.String(length=64), nullable=False),
    sa.Column('boundary', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outgoing', sa.String(length=32), nullable=True),
    sa.Column('incoming', sa.String(length=32), nullable=True),
    sa.Column('announced_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('rotation', 'boundary')
    )
    op.create_table('rotation_overrides',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('rotation', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('starts_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=32), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('swap_ref', sa.String(length=32), nullable=True),
    sa.Column('cancelled_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rotation_overrides', schema=None) as batch_op:
        batch_op.create_index('ix_overrides_rotation_window', ['rotation', 'ends_at', 'starts_at'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('rotation_overrides', schema=None) as batch_op:
        batch_op.drop_index('ix_overrides_rotation_window')

    op.drop_table('rotation_overrides')
    op.drop_table('handoff_notices')

