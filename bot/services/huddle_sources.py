"""Where each section of the huddle gets its data: the one place features are wired in.

Each source is `(session, *, team_id, now, since) -> data | None` returning the dataclasses
of `bot.services.huddle` (KpiLine, OpenEscalation, ResolvedEscalation, StandupSummary). A
section without a source shows "no data yet". Adapters from a feature's models to those
dataclasses belong here, so the features and the huddle do not import each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from bot.services import escalations, kpis, oncall, standups
from bot.services.huddle import (
    ONCALL_GAP_REACH,
    ONCALL_LOOKAHEAD,
    Blocker,
    HuddleSources,
    KpiLine,
    KpiStatus,
    OncallCoverage,
    OncallGap,
    OpenEscalation,
    Reminders,
    ResolvedEscalation,
    StandupDay,
    StandupSummary,
)

_KPI_STATUS = {
    kpis.Status.ON_TARGET: KpiStatus.ON_TARGET,
    kpis.Status.WARNING: KpiStatus.WARNING,
    kpis.Status.OFF_TARGET: KpiStatus.OFF_TARGET,
    kpis.Status.NO_DATA: KpiStatus.NO_DATA,
}


def kpi_lines(
    session: Session, *, team_id: str, now: datetime, since: datetime
) -> Sequence[KpiLine] | None:
    """The KPI scoreboard; the trend is the change since the previous value, and a stale
    value carries its age instead. None when the team tracks no KPI yet."""
    lines = kpis.scoreboard(session, team_id=team_id, now=now)
    if not lines:
        return None
    return [
        KpiLine(
            name=line.kpi.name,
            value=line.latest,
            unit=line.kpi.unit,
            target=line.kpi.target,
            status=_KPI_STATUS[line.status],
            trend=line.trend.change if line.trend else None,
            better=line.kpi.better,
            stale_age=line.stale_age,
        )
        for line in lines
    ]


def _severity(name: str) -> int:
    return int(name.removeprefix("sev"))


def open_escalation_lines(
    session: Session, *, team_id: str, now: datetime, since: datetime
) -> Sequence[OpenEscalation]:
    return [
        OpenEscalation(
            id=row.ref,
            severity=_severity(row.severity),
            summary=row.summary,
            owner=row.owner_id,
            opened_at=row.created_at,
            sla_deadline=None if row.acknowledged_at else row.ack_due_at,
            sla_breached=row.sla_breached,
            resolve_overdue_since=row.resolve_overdue_since,
            acknowledged_at=row.acknowledged_at,
        )
        for row in escalations.open_escalations(session, team_id=team_id, now=now)
    ]


def resolved_escalation_lines(
    session: Session, *, team_id: str, now: datetime, since: datetime
) -> Sequence[ResolvedEscalation]:
    return [
        ResolvedEscalation(
            id=row.ref,
            severity=_severity(row.severity),
            summary=row.summary,
            opened_at=row.created_at,
            acknowledged_at=row.acknowledged_at,
            resolved_at=row.resolved_at,
        )
        for row in escalations.resolved_since(session, team_id=team_id, since=since)
    ]


def standup_summary(
    session: Session, *, team_id: str, now: datetime, since: datetime
) -> StandupSummary | None:
    """Today's participation across the team's standups that run today (a person counts
    once) and every open blocker; None when the team runs no standup.

    Only people whose reminder has gone out count as missing; the others are "not due yet",
    and a standup none of whose reminders has gone out is listed with when they will. Each
    standup running today is also given on its own (`StandupSummary.standups`)."""
    reports = standups.participation(session, team_id=team_id, now=now)
    if not reports:
        return None
    answered: dict[str, None] = {}
    missing: dict[str, None] = {}
    not_due: dict[str, None] = {}
    upcoming: list[Reminders] = []
    days: list[StandupDay] = []
    runs_today = False
    by_id = {standup.id: standup for standup in standups.list_standups(session, team_id=team_id)}
    for report in reports:
        if not report.runs:
            continue
        runs_today = True
        answered.update(dict.fromkeys(report.answered))
        missing.update(dict.fromkeys(report.missing))
        not_due.update(dict.fromkeys(report.not_due))
        standup = by_id[report.standup_id]
        due_at = standups.reminder_times(session, standup, report.local_date)
        reminders = None
        if due_at and min(due_at.values()) > now:
            reminders = Reminders(at=standup.remind_at, first=min(due_at.values()))
            upcoming.append(reminders)
        days.append(
            StandupDay(
                channel_id=report.channel_id,
                answered=report.answered,
                missing=report.missing,
                not_due=report.not_due,
                upcoming=reminders,
            )
        )
    blockers = [
        Blocker(user_id=blocker.user_id, text=blocker.text, raised_at=blocker.since)
        for blocker in standups.open_blockers(session, team_id=team_id, now=now)
    ]
    return StandupSummary(
        answered=list(answered),
        missing=[user for user in missing if user not in answered],
        blockers=blockers,
        not_due=[user for user in not_due if user not in answered and user not in missing],
        upcoming=upcoming,
        runs_today=runs_today,
        standups=days,
    )


def oncall_coverage(
    session: Session, *, team_id: str, now: datetime, since: datetime
) -> list[OncallCoverage]:
    """Every on-call schedule's gaps that are open now or begin in the next 24 hours, each
    with its true end (not cut at the 24 hours); none: no schedule exists."""
    found = []
    for schedule in oncall.schedules(session, team_id=team_id):
        window = oncall.shifts(
            session,
            schedule=schedule,
            start=now - ONCALL_GAP_REACH,
            end=now + ONCALL_LOOKAHEAD + ONCALL_GAP_REACH,
        )
        gaps = [
            OncallGap(max(shift.starts_at, now), shift.ends_at, ongoing=shift.starts_at <= now)
            for shift in window
            if shift.is_gap and shift.ends_at > now and shift.starts_at < now + ONCALL_LOOKAHEAD
        ]
        found.append(OncallCoverage(schedule.name, gaps))
    return found


def huddle_sources() -> HuddleSources:
    """The sources of the running bot."""
    return HuddleSources(
        kpis=kpi_lines,
        open_escalations=open_escalation_lines,
        resolved_escalations=resolved_escalation_lines,
        standup=standup_summary,
        oncall=oncall_coverage,
    )
