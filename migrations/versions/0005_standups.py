"""Standups: configs, participants, answers per local date, daily threads, out-of-office.

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-21 06:56:35.251989
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "standup_aways",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standup_aways")),
    )
    with op.batch_alter_table("standup_aways", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_standup_aways_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_standup_aways_user_id"), ["user_id"], unique=False)

    op.create_table(
        "standups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("remind_at", sa.Time(), nullable=False),
        sa.Column("report_at", sa.Time(), nullable=False),
        sa.Column("days", sa.String(length=32), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("questions", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standups")),
        sa.UniqueConstraint("team_id", "channel_id", name=op.f("uq_standups_team_id_channel_id")),
    )
    with op.batch_alter_table("standups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_standups_team_id"), ["team_id"], unique=False)

    op.create_table(
        "standup_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("standup_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("blocker", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("message_link", sa.String(length=500), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["standup_id"],
            ["standups.id"],
            name=op.f("fk_standup_answers_standup_id_standups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standup_answers")),
        sa.UniqueConstraint(
            "standup_id",
            "user_id",
            "local_date",
            name=op.f("uq_standup_answers_standup_id_user_id_local_date"),
        ),
    )
    with op.batch_alter_table("standup_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_standup_answers_local_date"), ["local_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_standup_answers_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_standup_answers_user_id"), ["user_id"], unique=False)

    op.create_table(
        "standup_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("standup_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["standup_id"],
            ["standups.id"],
            name=op.f("fk_standup_participants_standup_id_standups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standup_participants")),
        sa.UniqueConstraint(
            "standup_id", "user_id", name=op.f("uq_standup_participants_standup_id_user_id")
        ),
    )
    with op.batch_alter_table("standup_participants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_standup_participants_team_id"), ["team_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_standup_participants_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "standup_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("standup_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["standup_id"],
            ["standups.id"],
            name=op.f("fk_standup_threads_standup_id_standups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standup_threads")),
        sa.UniqueConstraint(
            "standup_id", "local_date", name=op.f("uq_standup_threads_standup_id_local_date")
        ),
    )
    with op.batch_alter_table("standup_threads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_standup_threads_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("standup_threads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_standup_threads_team_id"))

    op.drop_table("standup_threads")
    with op.batch_alter_table("standup_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_standup_participants_user_id"))
        batch_op.drop_index(batch_op.f("ix_standup_participants_team_id"))

    op.drop_table("standup_participants")
    with op.batch_alter_table("standup_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_standup_answers_user_id"))
        batch_op.drop_index(batch_op.f("ix_standup_answers_team_id"))
        batch_op.drop_index(batch_op.f("ix_standup_answers_local_date"))

    op.drop_table("standup_answers")
    with op.batch_alter_table("standups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_standups_team_id"))

    op.drop_table("standups")
    with op.batch_alter_table("standup_aways", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_standup_aways_user_id"))
        batch_op.drop_index(batch_op.f("ix_standup_aways_team_id"))

    op.drop_table("standup_aways")
