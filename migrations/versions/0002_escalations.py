"""Escalations: the escalations, their timeline events and the per-workspace number counter.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 06:55:41.191487
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalation_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_counters")),
        sa.UniqueConstraint("team_id", name=op.f("uq_escalation_counters_team_id")),
    )
    with op.batch_alter_table("escalation_counters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_escalation_counters_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("summary", sa.String(length=150), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reporter_id", sa.String(length=32), nullable=False),
        sa.Column("assignee_id", sa.String(length=32), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("reminder_count", sa.Integer(), nullable=False),
        sa.Column("ack_due_at", sa.DateTime(), nullable=False),
        sa.Column("next_deadline_at", sa.DateTime(), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("source_link", sa.String(length=500), nullable=True),
        sa.Column("cause", sa.String(length=32), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=32), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=32), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint("team_id", "number", name=op.f("uq_escalations_team_id_number")),
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_escalations_assignee_id"), ["assignee_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_escalations_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_escalations_resolved_at"), ["resolved_at"], unique=False
        )
        batch_op.create_index(
            "ix_escalations_status_next_deadline_at", ["status", "next_deadline_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_escalations_team_id"), ["team_id"], unique=False)

    op.create_table(
        "escalation_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=True),
        sa.Column("target_user_id", sa.String(length=32), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_events_escalation_id_escalations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_events")),
    )
    with op.batch_alter_table("escalation_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_escalation_events_escalation_id"), ["escalation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_escalation_events_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("escalation_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_events_team_id"))
        batch_op.drop_index(batch_op.f("ix_escalation_events_escalation_id"))

    op.drop_table("escalation_events")
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalations_team_id"))
        batch_op.drop_index("ix_escalations_status_next_deadline_at")
        batch_op.drop_index(batch_op.f("ix_escalations_resolved_at"))
        batch_op.drop_index(batch_op.f("ix_escalations_created_at"))
        batch_op.drop_index(batch_op.f("ix_escalations_assignee_id"))

    op.drop_table("escalations")
    with op.batch_alter_table("escalation_counters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_counters_team_id"))

    op.drop_table("escalation_counters")
