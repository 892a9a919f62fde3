"""Stale KPIs in Slack: whoever answers for a KPI that has gone stale (its owner, else its
creator) is told once, during their working hours (see `bot.services.kpi_freshness`), by DM
through the outbox: one DM per person listing every KPI of theirs told at that check, each
with the commands that fix it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.blocks import render
from bot.messaging.escalations import dm
from bot.services import kpi_freshness

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.models import Kpi


def tell_stale_owners(session: Session, *, now: datetime, default_zone: ZoneInfo) -> int:
    """The `kpi-stale` job: DM whoever answers for each KPI that went stale and is not told
    yet, if it is their working hours (`default_zone` for people whose Slack timezone is
    unknown); claimed in the database, so once across instances. Returns how many KPIs."""
    went_stale = kpi_freshness.check_stale(session, now=now, default_zone=default_zone)
    by_person: dict[tuple[str, str], list[tuple[Kpi, kpi_freshness.Freshness]]] = {}
    for kpi, fresh in went_stale:
        by_person.setdefault((kpi.team_id, kpi_freshness.answerer(kpi)), []).append((kpi, fresh))
    for (team_id, user_id), stale in by_person.items():
        dm(
            session,
            team_id=team_id,
            user_id=user_id,
            message=render("messages/kpi_stale", stale=stale, user_id=user_id),
            now=now,
            description=f"stale notice of {', '.join(kpi.name for kpi, _ in stale)}",
        )
    return len(went_stale)
