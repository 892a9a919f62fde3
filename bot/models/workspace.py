"""Per-workspace settings, cached Slack profiles and de-duplication keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, TeamScoped


class TeamSetting(TeamScoped, Base):
    """One named setting of a workspace, such as the escalation channel."""

    __tablename__ = "team_settings"
    __table_args__ = (UniqueConstraint("team_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class SlackUser(TeamScoped, Base):
    """What Opsbot knows of a Slack user, cached from users.info."""

    __tablename__ = "slack_users"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255), default="")
    tz: Mapped[str | None] = mapped_column(String(64))
    is_admin: Mapped[bool] = mapped_column(default=False)
    refreshed_at: Mapped[datetime]


class ProcessedKey(TeamScoped, Base):
    """A key (Slack event id, click id) that has been handled once and must not be again."""

    __tablename__ = "processed_keys"
    __table_args__ = (UniqueConstraint("team_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(index=True)
