"""KPI lookups: each KPI's revision (bumped with every write of its values) and the chart
last posted per channel, KPI and period.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 08:42:20.780053
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kpi_chart_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("chart_key", sa.String(length=64), nullable=False),
        sa.Column("posted_at", sa.DateTime(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["kpi_id"], ["kpis.id"], name=op.f("fk_kpi_chart_posts_kpi_id_kpis"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_chart_posts")),
        sa.UniqueConstraint(
            "team_id",
            "channel_id",
            "kpi_id",
            "period",
            name=op.f("uq_kpi_chart_posts_team_id_channel_id_kpi_id_period"),
        ),
    )
    with op.batch_alter_table("kpi_chart_posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kpi_chart_posts_team_id"), ["team_id"], unique=False)

    with op.batch_alter_table("kpis", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("kpis", schema=None) as batch_op:
        batch_op.drop_column("revision")

    with op.batch_alter_table("kpi_chart_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kpi_chart_posts_team_id"))

    op.drop_table("kpi_chart_posts")
