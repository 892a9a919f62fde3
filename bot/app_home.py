"""App Home in Slack: each person's overview rendered as a Home tab and published with
views.publish, at most once per `home.REFRESH_INTERVAL` per person (see bot.services.home).

Used by the `app_home_opened` listener, by whatever changes something a Home tab shows
(escalation changes, standup answers) and by the `app-home` job that publishes stale tabs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot import escalation_messages
from bot.blocks import render
from bot.ids import ActionId
from bot.models import EscalationStatus
from bot.services import home

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.db import Database

log = logging.getLogger(__name__)

# Within the 100 blocks of a Home tab: two blocks per escalation, one per standup.
MAX_ESCALATIONS = 20
MAX_STANDUPS = 10
TIME_FORMAT = "%a %d %b %H:%M %Z"


def _moment(at: datetime, zone: Any) -> dict[str, Any]:
    """A time for Slack's date formatting (shown in the viewer's own zone), with its label in
    `zone` for clients that cannot."""
    return {"ts": int(at.timestamp()), "label": at.astimezone(zone).strftime(TIME_FORMAT)}


def render_home(overview: home.HomeOverview, *, now: datetime) -> dict[str, Any]:
    """The Home tab view of one person's overview."""
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
            "day": item.local_date.strftime("%a %d %b"),
            "runs_today": item.runs_today,
            "answered": item.answered,
            "away": item.away,
            "remind_at": item.remind_at.strftime("%H:%M"),
        }
        for item in overview.standups[:MAX_STANDUPS]
    ]
    huddles = [
        {"channel_id": run.channel_id, **_moment(run.at, overview.zone)} for run in overview.huddles
    ]
    return render(
        "views/home",
        user_id=overview.user_id,
        updated=_moment(now, overview.zone),
        escalations=rows,
        more_escalations=len(overview.escalations) - len(rows),
        k=overview.kpis,
        standups=standups,
        more_standups=len(overview.standups) - len(standups),
        huddles=huddles,
        more_huddles=overview.more_huddles,
        actions=ActionId,
    )


def publish_home(
    client: WebClient, db: Database, *, team_id: str, user_id: str, now: datetime
) -> None:
    """Publish the person's Home tab as it stands now (the caller has claimed the publish)."""
    with db.session() as session:
        overview = home.overview(session, team_id=team_id, user_id=user_id, now=now)
    client.views_publish(user_id=user_id, view=render_home(overview, now=now))


def _publish_each(
    client: WebClient, db: Database, tabs: Iterable[tuple[str, str]], now: datetime
) -> None:
    for team_id, user_id in tabs:
        try:
            publish_home(client, db, team_id=team_id, user_id=user_id, now=now)
        except Exception:  # one failed Home tab must not hold back the others or the caller
            log.exception("could not publish the Home tab of %s", user_id)


def refresh_homes(
    client: WebClient, db: Database, *, team_id: str, user_ids: Iterable[str], now: datetime
) -> None:
    """Something these people's Home tabs show has changed: publish them now, or, for a tab
    published within the interval, let the `app-home` job publish the latest state soon."""
    with db.session() as session:
        claimed = home.claim_refresh(session, team_id=team_id, user_ids=user_ids, now=now)
    _publish_each(client, db, [(team_id, user_id) for user_id in claimed], now)


def publish_stale_homes(client: WebClient, db: Database, *, now: datetime) -> int:
    """The `app-home` job: publish every stale Home tab whose interval has passed.
    Returns how many this instance claimed."""
    with db.session() as session:
        claimed = home.claim_stale(session, now=now)
    _publish_each(client, db, claimed, now)
    return len(claimed)
