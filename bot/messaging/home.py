"""App Home in Slack: when a person's Home tab is published. The tab itself is rendered when
the delivery worker sends it (`bot.messaging.home_tab`), so it always shows the latest state;
publishing is throttled per person (see bot.services.home).

Used by the `app_home_opened` listener, by whatever changes something a Home tab shows
(escalation changes, standup answers) and by the `app-home` job that publishes stale tabs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from bot.services import home, outbox

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

HOME_MAKER = "home-tab"


def publish(session: Session, *, team_id: str, user_id: str, now: datetime) -> None:
    """Queue a publish of the person's Home tab (the caller has claimed it). One waiting
    publish is enough: it renders the state of the moment it is sent."""
    key = f"home:{team_id}:{user_id}"
    if outbox.has_pending(session, key=key, method="views.publish"):
        return
    outbox.enqueue(
        session,
        team_id=team_id,
        key=key,
        method="views.publish",
        payload={"$make": {"name": HOME_MAKER, "args": {"team_id": team_id, "user_id": user_id}}},
        now=now,
        description=f"Home tab of <@{user_id}>",
    )


def refresh(session: Session, *, team_id: str, user_ids: Iterable[str], now: datetime) -> None:
    """Something these people's Home tabs show has changed: publish them now, or, for a tab
    published within the interval, let the `app-home` job publish the latest state soon."""
    for user_id in home.claim_refresh(session, team_id=team_id, user_ids=user_ids, now=now):
        publish(session, team_id=team_id, user_id=user_id, now=now)


def publish_stale(session: Session, *, now: datetime) -> int:
    """The `app-home` job: publish every stale Home tab whose interval has passed.
    Returns how many this instance claimed."""
    claimed = home.claim_stale(session, now=now)
    for team_id, user_id in claimed:
        publish(session, team_id=team_id, user_id=user_id, now=now)
    return len(claimed)
