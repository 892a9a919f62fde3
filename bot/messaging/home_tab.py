"""The Home tab view: each person's overview rendered for views.publish, at the moment the
delivery worker sends it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.ids import ActionId
from bot.messaging import escalations as escalation_messages
from bot.models import EscalationStatus
from bot.services import home, workspace

if TYPE_CHECKING:
    from bot.db import Database

# Within the 100 blocks of a Home tab: two blocks per escalation, one per standup.
MAX_ESCALATIONS = 20
MAX_STANDUPS = 10
FAILURES_SHOWN_FOR = timedelta(days=7)


def render_home(
    overview: home.HomeOverview,
    *,
    now: datetime,
    failures: Sequence[home.FailureLine] = (),
) -> dict[str, Any]:
    """The Home tab view of one person's overview (and, for admins, failed deliveries)."""
    rows = [
        {
            **escalation_messages.summary_context(item, now=now),
            "number": item.number,
            "reporter_id": item.reporter_id,
            "is_open": item.status == EscalationStatus.OPEN,
        }
        for item in overview.escalations[:MAX_ESCALATIONS]
    ]
    standups = [
        {
            "standup_id": item.standup_id,
            "channel_id": item.channel_id,
            "local_date": item.local_date,
            "runs_today": item.runs_today,
            "answered": item.answered,
            "away": item.away,
            "remind_at": item.remind_at,
        }
        for item in overview.standups[:MAX_STANDUPS]
    ]
    huddles = [{"channel_id": run.channel_id, "at": run.at} for run in overview.huddles]
    return render(
        "views/home",
        user_id=overview.user_id,
        updated=now,
        escalations=rows,
        more_escalations=len(overview.escalations) - len(rows),
        k=overview.kpis,
        standups=standups,
        more_standups=len(overview.standups) - len(standups),
        huddles=huddles,
        more_huddles=overview.more_huddles,
        next_shift=overview.next_shift,
        failures=list(failures),
        actions=ActionId,
    )


def home_view(
    db: Database, *, team_id: str, user_id: str, now: datetime, admin_ids: frozenset[str]
) -> dict[str, Any]:
    """Delivery maker: the `views.publish` arguments for the person's Home tab as of now.
    Admins also see what Opsbot could not deliver in the last week."""
    with db.session() as session:
        overview = home.overview(session, team_id=team_id, user_id=user_id, now=now)
        known = workspace.get_profile(session, team_id=team_id, user_id=user_id)
        is_admin = user_id in admin_ids or bool(known and known.is_admin)
        failures = (
            home.failure_lines(session, team_id=team_id, since=now - FAILURES_SHOWN_FOR)
            if is_admin
            else []
        )
    return {"user_id": user_id, "view": render_home(overview, now=now, failures=failures)}
