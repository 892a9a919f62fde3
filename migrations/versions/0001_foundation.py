"""Foundation: workspace settings, cached Slack profiles, processed keys, scheduled-post ledger.

Revision ID: 0001
Revises:
Create Date: 2026-11-21 06:50:48.406507
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processed_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processed_keys")),
        sa.UniqueConstraint("team_id", "key", name=op.f("uq_processed_keys_team_id_key")),
    )
    with op.batch_alter_table("processed_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processed_keys_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_processed_keys_team_id"), ["team_id"], unique=False)

    op.create_table(
        "scheduled_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_posts")),
        sa.UniqueConstraint(
            "team_id",
            "channel_id",
            "kind",
            "local_date",
            name=op.f("uq_scheduled_posts_team_id_channel_id_kind_local_date"),
        ),
    )
    with op.batch_alter_table("scheduled_posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scheduled_posts_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_scheduled_posts_team_id"), ["team_id"], unique=False)

    op.create_table(
        "slack_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_users")),
        sa.UniqueConstraint("team_id", "user_id", name=op.f("uq_slack_users_team_id_user_id")),
    )
    with op.batch_alter_table("slack_users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slack_users_team_id"), ["team_id"], unique=False)

    op.create_table(
        "team_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_settings")),
        sa.UniqueConstraint("team_id", "key", name=op.f("uq_team_settings_team_id_key")),
    )
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_settings_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_settings_team_id"))

    op.drop_table("team_settings")
    with op.batch_alter_table("slack_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_users_team_id"))

    op.drop_table("slack_users")
    with op.batch_alter_table("scheduled_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduled_posts_team_id"))
        batch_op.drop_index(batch_op.f("ix_scheduled_posts_status"))

    op.drop_table("scheduled_posts")
    with op.batch_alter_table("processed_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_keys_team_id"))
        batch_op.drop_index(batch_op.f("ix_processed_keys_created_at"))

    op.drop_table("processed_keys")
