"""The delivery outbox, and the outbox row behind each message whose ts is not known yet.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 23:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES_WITH_MESSAGES = ("escalations", "standup_answers", "standup_threads")


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=48), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("give_up_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(length=96), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("result_ts", sa.String(length=32), nullable=True),
        sa.Column("result_channel", sa.String(length=32), nullable=True),
        sa.Column("error", sa.String(length=64), nullable=True),
        sa.Column("error_detail", sa.Text(), nullable=True),
        sa.Column("recorder", sa.String(length=48), nullable=True),
        sa.Column("recorder_arg", sa.Text(), nullable=True),
        sa.Column("notify_user_id", sa.String(length=32), nullable=True),
        sa.Column("on_unknown", sa.String(length=8), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deliveries_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index("ix_deliveries_key_id", ["key", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deliveries_team_id"), ["team_id"], unique=False)
    for table in TABLES_WITH_MESSAGES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("message_delivery_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    for table in TABLES_WITH_MESSAGES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("message_delivery_id")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_team_id"))
        batch_op.drop_index("ix_deliveries_key_id")
        batch_op.drop_index("ix_deliveries_status_next_attempt_at")
    op.drop_table("deliveries")
