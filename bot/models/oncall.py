"""On-call schedules: their layers and overrides, the handover at each change of person,
the outgoing person's notes, and the secret iCalendar feeds."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Date, ForeignKey, Index, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, TeamScoped


class OncallSchedule(TeamScoped, Base):
    __tablename__ = "oncall_schedules"
    __table_args__ = (UniqueConstraint("team_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    name_key: Mapped[str] = mapped_column(String(64))  # lower-cased name, for lookups
    tz: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str | None] = mapped_column(String(32))  # where shift changes go
    usergroup_id: Mapped[str | None] = mapped_column(String(32))  # kept equal to who is on
    notice_minutes: Mapped[int] = mapped_column(default=15, server_default="15")
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class OncallLayer(TeamScoped, Base):
    """One layer; `position` orders layers (a later layer wins where it is active)."""

    __tablename__ = "oncall_layers"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("oncall_schedules.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    members: Mapped[str] = mapped_column(Text)  # JSON list of user ids, in turn order
    every_seconds: Mapped[int]
    handover: Mapped[time] = mapped_column(Time)
    start: Mapped[date] = mapped_column(Date)
    days: Mapped[str] = mapped_column(String(32))  # weekday numbers, Monday 0: "0,1,2,3,4"
    hours_from: Mapped[time | None] = mapped_column(Time)
    hours_to: Mapped[time | None] = mapped_column(Time)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


class OncallOverride(TeamScoped, Base):
    __tablename__ = "oncall_overrides"
    __table_args__ = (Index("ix_oncall_overrides_window", "schedule_id", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("oncall_schedules.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]
    removed_by: Mapped[str | None] = mapped_column(String(32))


class OncallHandover(TeamScoped, Base):
    """One change of person in a schedule, claimed once (the unique key) so its handover DM,
    shift-change line, user-group update and reminder each go out exactly once."""

    __tablename__ = "oncall_handovers"
    __table_args__ = (UniqueConstraint("schedule_id", "change_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("oncall_schedules.id", ondelete="CASCADE"))
    change_at: Mapped[datetime] = mapped_column(index=True)
    outgoing_user_id: Mapped[str | None] = mapped_column(String(32))
    incoming_user_id: Mapped[str | None] = mapped_column(String(32))
    ends_at: Mapped[datetime | None]  # when the incoming person's shift ends, as known
    notice_sent_at: Mapped[datetime | None]  # the incoming person's handover DM
    announced_at: Mapped[datetime | None]  # the shift-change line and the user group
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class OncallNote(TeamScoped, Base):
    """The on-call person's note for whoever comes next (`/oncall handover`)."""

    __tablename__ = "oncall_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("oncall_schedules.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class OncallFeed(TeamScoped, Base):
    """A secret iCalendar feed URL of a schedule (or of one person's shifts in it); only the
    token's SHA-256 is stored."""

    __tablename__ = "oncall_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("oncall_schedules.id", ondelete="CASCADE"))
    user_id: Mapped[str | None] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
