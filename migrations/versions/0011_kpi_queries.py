"""KPIs computed by SQL queries on the team's own databases (issue 16).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 02:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kpi_queries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("sql", sa.Text(), nullable=False),
        sa.Column("every_seconds", sa.Integer(), nullable=False),
        sa.Column("at", sa.Time(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=True),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.Column("stopped_at", sa.DateTime(), nullable=True),
        sa.Column("last_run_at", sa.DateTime(), nullable=True),
        sa.Column("last_outcome", sa.Text(), nullable=False),
        sa.Column("failing_since", sa.DateTime(), nullable=True),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["kpi_id"], ["kpis.id"], name=op.f("fk_kpi_queries_kpi_id_kpis"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_queries")),
        sa.UniqueConstraint("team_id", "kpi_id", name=op.f("uq_kpi_queries_team_id_kpi_id")),
    )
    with op.batch_alter_table("kpi_queries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kpi_queries_team_id"), ["team_id"], unique=False)

    op.create_table(
        "kpi_query_runs",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("query_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["query_id"],
            ["kpi_queries.id"],
            name=op.f("fk_kpi_query_runs_query_id_kpi_queries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_query_runs")),
        sa.UniqueConstraint("query_id", "due_at", name=op.f("uq_kpi_query_runs_query_id_due_at")),
    )
    with op.batch_alter_table("kpi_query_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_kpi_query_runs_due", ["team_id", "query_id", "due_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("kpi_query_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_kpi_query_runs_due")
    op.drop_table("kpi_query_runs")
    with op.batch_alter_table("kpi_queries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kpi_queries_team_id"))
    op.drop_table("kpi_queries")
