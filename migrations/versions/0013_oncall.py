"""On-call schedules: layers, overrides, handovers, notes and iCalendar feeds; holiday
calendars on standups and huddles.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 02:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _schedule_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["schedule_id"],
        ["oncall_schedules.id"],
        name=op.f(f"fk_{table}_schedule_id_oncall_schedules"),
        ondelete="CASCADE",
    )


def _team_index(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_team_id"), ["team_id"], unique=False)


def upgrade() -> None:
    op.create_table(
        "oncall_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("name_key", sa.String(length=64), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("usergroup_id", sa.String(length=32), nullable=True),
        sa.Column("notice_minutes", sa.Integer(), server_default="15", nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_schedules")),
        sa.UniqueConstraint(
            "team_id", "name_key", name=op.f("uq_oncall_schedules_team_id_name_key")
        ),
    )
    _team_index("oncall_schedules")

    op.create_table(
        "oncall_layers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("members", sa.Text(), nullable=False),
        sa.Column("every_seconds", sa.Integer(), nullable=False),
        sa.Column("handover", sa.Time(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("days", sa.String(length=32), nullable=False),
        sa.Column("hours_from", sa.Time(), nullable=True),
        sa.Column("hours_to", sa.Time(), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        _schedule_fk("oncall_layers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_layers")),
    )
    _team_index("oncall_layers")
    with op.batch_alter_table("oncall_layers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oncall_layers_schedule_id"), ["schedule_id"], unique=False
        )

    op.create_table(
        "oncall_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.Column("removed_by", sa.String(length=32), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        _schedule_fk("oncall_overrides"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_overrides")),
    )
    _team_index("oncall_overrides")
    with op.batch_alter_table("oncall_overrides", schema=None) as batch_op:
        batch_op.create_index(
            "ix_oncall_overrides_window", ["schedule_id", "ends_at"], unique=False
        )

    op.create_table(
        "oncall_handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("change_at", sa.DateTime(), nullable=False),
        sa.Column("outgoing_user_id", sa.String(length=32), nullable=True),
        sa.Column("incoming_user_id", sa.String(length=32), nullable=True),
        sa.Column("ends_at", sa.DateTime(), nullable=True),
        sa.Column("notice_sent_at", sa.DateTime(), nullable=True),
        sa.Column("announced_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=32), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        _schedule_fk("oncall_handovers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_handovers")),
        sa.UniqueConstraint(
            "schedule_id", "change_at", name=op.f("uq_oncall_handovers_schedule_id_change_at")
        ),
    )
    _team_index("oncall_handovers")
    with op.batch_alter_table("oncall_handovers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oncall_handovers_change_at"), ["change_at"], unique=False
        )

    op.create_table(
        "oncall_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        _schedule_fk("oncall_notes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_notes")),
    )
    _team_index("oncall_notes")
    with op.batch_alter_table("oncall_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oncall_notes_schedule_id"), ["schedule_id"], unique=False
        )

    op.create_table(
        "oncall_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        _schedule_fk("oncall_feeds"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_oncall_feeds_token_hash")),
    )
    _team_index("oncall_feeds")

    for table in ("standups", "huddle_configs"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("holidays", sa.String(length=16), nullable=True))
            batch_op.add_column(
                sa.Column("skip_dates", sa.Text(), server_default="", nullable=False)
            )


def downgrade() -> None:
    for table in ("huddle_configs", "standups"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("skip_dates")
            batch_op.drop_column("holidays")
    for table in (
        "oncall_feeds",
        "oncall_notes",
        "oncall_handovers",
        "oncall_overrides",
        "oncall_layers",
        "oncall_schedules",
    ):
        op.drop_table(table)
