"""Weekly and monthly leadership reports (issue 17).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 02:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_configs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("cadence", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("time", sa.Time(), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("holidays", sa.String(length=16), nullable=True),
        sa.Column("skip_days", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_configs")),
        sa.UniqueConstraint(
            "team_id",
            "channel_id",
            "cadence",
            name=op.f("uq_report_configs_team_id_channel_id_cadence"),
        ),
    )
    with op.batch_alter_table("report_configs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_configs_enabled"), ["enabled"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_configs_team_id"), ["team_id"], unique=False)

    op.create_table(
        "report_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("cadence", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_runs")),
    )
    with op.batch_alter_table("report_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_runs_team_id"), ["team_id"], unique=False)

    op.create_table(
        "report_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=128), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["report_runs.id"],
            name=op.f("fk_report_files_run_id_report_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_files")),
    )
    with op.batch_alter_table("report_files", schema=None) as batch_op:
        batch_op.create_index("ix_report_files_run", ["run_id", "kind"], unique=True)
        batch_op.create_index(batch_op.f("ix_report_files_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_files_team_id"))
        batch_op.drop_index("ix_report_files_run")
    op.drop_table("report_files")
    with op.batch_alter_table("report_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_runs_team_id"))
    op.drop_table("report_runs")
    with op.batch_alter_table("report_configs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_configs_team_id"))
        batch_op.drop_index(batch_op.f("ix_report_configs_enabled"))
    op.drop_table("report_configs")
