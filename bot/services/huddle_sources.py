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

from bot.services import escalations, kpis, standups
from bot.services.huddle import (
    Blocker,
    HuddleSources,
    KpiLine,
    KpiStatus,
    OpenEscalation,
    ResolvedEscalation,
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
    """The KPI scoreboard (one query); the trend is the change since the previous value.
    None when the team tracks no KPI yet."""
    lines = kpis.scoreboard(session, team_id=team_id)
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
    """Today's participation across the team's standups (a person counts once) and every
    open blocker; None when the team runs no standup."""
    reports = standups.participation(session, team_id=team_id, now=now)
    if not reports:
        return None
    answered = list(dict.fromkeys(user for report in reports for user in report.answered))
    missing = [
        user
        for user in dict.fromkeys(user for report in reports for user in report.missing)
        if user not in answered
    ]
    blockers = [
        Blocker(user_id=blocker.user_id, text=blocker.text, raised_at=blocker.since)
        for blocker in standups.open_blockers(session, team_id=team_id, now=now)
    ]
    return StandupSummary(answered=answered, missing=missing, blockers=blockers)


def huddle_sources() -> HuddleSources:
    """The sources of the running bot."""
    return HuddleSources(
        kpis=kpi_lines,
        open_escalations=open_escalation_lines,
        resolved_escalations=resolved_escalation_lines,
        standup=standup_summary,
    )
