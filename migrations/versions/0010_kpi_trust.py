"""KPIs, standups and the huddle a team can trust: each KPI's expected cadence and stale
notice, the corrections made to a KPI, the standup's "Nothing is blocking me" and the first
day of a blocker, and the last `/huddle now` per channel.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 02:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kpis", schema=None) as batch_op:
        batch_op.add_column(sa.Column("every_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("stale_notified_at", sa.DateTime(), nullable=True))

    op.create_table(
        "kpi_changes",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kpi_id"], ["kpis.id"], name=op.f("fk_kpi_changes_kpi_id_kpis"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_changes")),
    )
    with op.batch_alter_table("kpi_changes", schema=None) as batch_op:
        batch_op.create_index("ix_kpi_changes_kpi", ["team_id", "kpi_id", "at"], unique=False)

    with op.batch_alter_table("standup_answers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("nothing_blocking", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("blocker_since", sa.Date(), nullable=True))

    op.create_table(
        "huddle_manual_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("posted_at", sa.DateTime(), nullable=False),
        sa.Column("posted_by", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_huddle_manual_posts")),
        sa.UniqueConstraint(
            "team_id", "channel_id", name=op.f("uq_huddle_manual_posts_team_id_channel_id")
        ),
    )
    with op.batch_alter_table("huddle_manual_posts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_huddle_manual_posts_team_id"), ["team_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("huddle_manual_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_huddle_manual_posts_team_id"))
    op.drop_table("huddle_manual_posts")

    with op.batch_alter_table("standup_answers", schema=None) as batch_op:
        batch_op.drop_column("blocker_since")
        batch_op.drop_column("nothing_blocking")

    with op.batch_alter_table("kpi_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_kpi_changes_kpi")
    op.drop_table("kpi_changes")

    with op.batch_alter_table("kpis", schema=None) as batch_op:
        batch_op.drop_column("stale_notified_at")
        batch_op.drop_column("every_seconds")
