"""Daily huddle: one schedule per channel (time, timezone, days).

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-21 06:56:43.075275
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "huddle_configs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("time", sa.Time(), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("days", sa.String(length=32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_huddle_configs")),
        sa.UniqueConstraint(
            "team_id", "channel_id", name=op.f("uq_huddle_configs_team_id_channel_id")
        ),
    )
    with op.batch_alter_table("huddle_configs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_huddle_configs_enabled"), ["enabled"], unique=False)
        batch_op.create_index(batch_op.f("ix_huddle_configs_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("huddle_configs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_huddle_configs_team_id"))
        batch_op.drop_index(batch_op.f("ix_huddle_configs_enabled"))

    op.drop_table("huddle_configs")
