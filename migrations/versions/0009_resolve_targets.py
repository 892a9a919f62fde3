"""Escalations remember when their owner was told they are past the resolve target.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 00:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolve_nudged_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_column("resolve_nudged_at")
