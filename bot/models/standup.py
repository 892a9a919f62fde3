"""Asynchronous standups: a team's config, its participants, their daily answers,
the daily thread in the channel, and people's out-of-office periods."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Date, ForeignKey, String, Text, Time, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, TeamScoped


class Standup(TeamScoped, Base):
    """One team's standup, run in its own channel."""

    __tablename__ = "standups"
    __table_args__ = (UniqueConstraint("team_id", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    remind_at: Mapped[time] = mapped_column(Time)
    report_at: Mapped[time] = mapped_column(Time)
    days: Mapped[str] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(String(64))
    questions: Mapped[str] = mapped_column(Text)  # JSON list of question texts
    # Days nothing goes out: a holiday calendar (`US`, `DE-BY`) and the company's own days.
    holidays: Mapped[str | None] = mapped_column(String(16))
    skip_dates: Mapped[str] = mapped_column(Text, default="", server_default="")  # ISO, commas
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StandupParticipant(TeamScoped, Base):
    __tablename__ = "standup_participants"
    __table_args__ = (UniqueConstraint("standup_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    standup_id: Mapped[int] = mapped_column(ForeignKey("standups.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    joined_at: Mapped[datetime]


class StandupAnswer(TeamScoped, Base):
    """A person's answer for one local date; a second submission the same day replaces it."""

    __tablename__ = "standup_answers"
    __table_args__ = (UniqueConstraint("standup_id", "user_id", "local_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    standup_id: Mapped[int] = mapped_column(ForeignKey("standups.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    local_date: Mapped[date] = mapped_column(Date, index=True)
    answers: Mapped[str] = mapped_column(Text)  # JSON list of {"question", "answer"}
    blocker: Mapped[str | None] = mapped_column(Text)
    # The modal's "Nothing is blocking me" checkbox: settles that the answer has no blocker.
    nothing_blocking: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The first local date this same blocker was reported (age counts from it).
    blocker_since: Mapped[date | None] = mapped_column(Date)
    submitted_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    message_ts: Mapped[str | None] = mapped_column(String(32))
    # The outbox row that posts the message, until Slack has given it a ts.
    message_delivery_id: Mapped[int | None]
    message_link: Mapped[str | None] = mapped_column(String(500))


class StandupThread(TeamScoped, Base):
    """The day's parent message in the standup channel; answers are its replies."""

    __tablename__ = "standup_threads"
    __table_args__ = (UniqueConstraint("standup_id", "local_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    standup_id: Mapped[int] = mapped_column(ForeignKey("standups.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    # The outbox row that posts the message, until Slack has given it a ts.
    message_delivery_id: Mapped[int | None]
    created_at: Mapped[datetime]


class StandupAway(TeamScoped, Base):
    """Out of office from `starts_on` to `ends_on` (inclusive, the person's local dates)."""

    __tablename__ = "standup_aways"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]
