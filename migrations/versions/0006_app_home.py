"""App Home: each person's Home tab, when it was last published and whether it is stale.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 07:19:46.233216
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "home_tabs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("stale_since", sa.DateTime(), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_home_tabs")),
        sa.UniqueConstraint("team_id", "user_id", name=op.f("uq_home_tabs_team_id_user_id")),
    )
    with op.batch_alter_table("home_tabs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_home_tabs_stale_since"), ["stale_since"], unique=False)
        batch_op.create_index(batch_op.f("ix_home_tabs_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("home_tabs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_home_tabs_team_id"))
        batch_op.drop_index(batch_op.f("ix_home_tabs_stale_since"))
    op.drop_table("home_tabs")
