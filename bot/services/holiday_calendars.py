"""Which holiday calendars apply where: every standup, huddle and report with a calendar (or
the ones of one channel), grouped by calendar, with the next holidays of each. What
`/ops holidays [#channel]` shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import HuddleConfig, ReportConfig, Standup
from bot.services import holidays

NEXT_SHOWN = 5


@dataclass(frozen=True)
class Use:
    """One scheduled thing that keeps a calendar: "standup", "huddle", "weekly report"…"""

    what: str
    channel_id: str


@dataclass
class CalendarInUse:
    calendar: holidays.Calendar
    uses: list[Use] = field(default_factory=list)
    next_off: list[tuple[date, str]] = field(default_factory=list)


def _today(zone: str | None, now: datetime) -> date:
    try:
        return now.astimezone(ZoneInfo(zone or "UTC")).date()
    except (ValueError, KeyError):
        return now.date()


def calendars_in_use(
    session: Session, *, team_id: str, now: datetime, channel_id: str | None = None
) -> list[CalendarInUse]:
    """The workspace's holiday calendars (or those of `channel_id`'s standup, huddle and
    reports), each with what keeps it and its next holidays; a scheduled thing without a
    calendar is left out."""
    found: list[tuple[Use, holidays.Calendar, date]] = []
    standups = select(Standup).where(Standup.team_id == team_id)
    huddles = select(HuddleConfig).where(
        HuddleConfig.team_id == team_id, HuddleConfig.enabled.is_(True)
    )
    reports = select(ReportConfig).where(
        ReportConfig.team_id == team_id, ReportConfig.enabled.is_(True)
    )
    if channel_id is not None:
        standups = standups.where(Standup.channel_id == channel_id)
        huddles = huddles.where(HuddleConfig.channel_id == channel_id)
        reports = reports.where(ReportConfig.channel_id == channel_id)
    for standup in session.scalars(standups.order_by(Standup.channel_id)):
        calendar = holidays.parse_calendar(standup.holidays, skip=standup.skip_dates)
        found.append((Use("standup", standup.channel_id), calendar, _today(standup.timezone, now)))
    for huddle in session.scalars(huddles.order_by(HuddleConfig.channel_id)):
        calendar = holidays.parse_calendar(huddle.holidays, skip=huddle.skip_dates)
        found.append((Use("huddle", huddle.channel_id), calendar, _today(huddle.tz, now)))
    for report in session.scalars(reports.order_by(ReportConfig.channel_id)):
        calendar = holidays.parse_calendar(report.holidays, skip=report.skip_days)
        use = Use(f"{report.cadence} report", report.channel_id)
        found.append((use, calendar, _today(report.tz, now)))
    grouped: dict[tuple[str | None, str], CalendarInUse] = {}
    for use, calendar, today in found:
        if calendar.is_empty:
            continue
        entry = grouped.setdefault(
            (calendar.spec, calendar.skip_text),
            CalendarInUse(
                calendar, next_off=holidays.next_holidays(calendar, today=today, count=NEXT_SHOWN)
            ),
        )
        entry.uses.append(use)
    return list(grouped.values())
