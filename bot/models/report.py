"""Weekly and monthly leadership reports: which channels get which report, and the files
of each report made (kept until they are in the report's thread)."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, TeamScoped


class Cadence:
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class ReportConfig(TeamScoped, Base):
    """One channel's weekly or monthly report. `day` is the weekday (Mon=0) of a weekly
    report or the day of the month (1-28) of a monthly one. `updated_at` is the schedule's
    `not_before`: a report set up after this period's time first goes out next period."""

    __tablename__ = "report_configs"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", "cadence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    cadence: Mapped[str] = mapped_column(String(8))
    day: Mapped[int]
    time: Mapped[time]
    tz: Mapped[str] = mapped_column(String(64))
    holidays: Mapped[str | None] = mapped_column(String(16))  # a calendar such as DE-BY
    skip_days: Mapped[str] = mapped_column(Text, default="")  # 2026-12-24,2026-12-31
    enabled: Mapped[bool] = mapped_column(default=True, index=True)
    updated_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime]


class ReportRun(TeamScoped, Base):
    """One report queued for a channel (scheduled or `/report now`). The post is built when
    it is sent, and its files are made with it from the same figures, kept here until
    they have gone into the post's thread."""

    __tablename__ = "report_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    cadence: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[date] = mapped_column(Date)
    tz: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    built_at: Mapped[datetime | None]


class ReportFile(TeamScoped, Base):
    """A file of a report run (KPI board, Pareto chart, CSV, PDF) waiting to be uploaded."""

    __tablename__ = "report_files"
    __table_args__ = (Index("ix_report_files_run", "run_id", "kind", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("report_runs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
