"""Daily huddle settings: which channels get the huddle, when and in which timezone."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, TeamScoped


class HuddleConfig(TeamScoped, Base):
    """One channel's huddle schedule. `updated_at` is the schedule's `not_before`: a schedule
    created or changed after today's time does not post today."""

    __tablename__ = "huddle_configs"
    __table_args__ = (UniqueConstraint("team_id", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    time: Mapped[time]
    tz: Mapped[str] = mapped_column(String(64))
    days: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(default=True, index=True)
    # Days nothing goes out: a holiday calendar (`US`, `DE-BY`) and the company's own days.
    holidays: Mapped[str | None] = mapped_column(String(16))
    skip_dates: Mapped[str] = mapped_column(Text, default="", server_default="")  # ISO, commas
    updated_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime]


class HuddleManualPost(TeamScoped, Base):
    """The last `/huddle now` in a channel: at most one every 10 minutes per channel."""

    __tablename__ = "huddle_manual_posts"
    __table_args__ = (UniqueConstraint("team_id", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    posted_at: Mapped[datetime]
    posted_by: Mapped[str] = mapped_column(String(32))
