"""The huddle in Slack: queue a channel's huddle post (scheduled job, `/huddle now`, CLI).
The huddle itself is built from the database by the delivery worker when it is sent, so
building it never sits in a command's acknowledgement."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.messaging import scheduled
from bot.services import huddle
from bot.services.huddle_sources import huddle_sources

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.db import Database
    from bot.models import Delivery

HUDDLE_MAKER = "huddle"


def post(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    now: datetime,
    default_tz: str,
    local_date: date | None = None,
    ledger_post_id: int | None = None,
    notify_user_id: str | None = None,
) -> Delivery:
    """Queue the channel's huddle post there (built when it is sent). A scheduled one records
    its outcome in the ledger; a duplicate huddle is worse than a late one, so a post whose
    outcome was lost in a crash is not sent again without an admin's Retry."""
    if notify_user_id is None:
        config = huddle.get_config(session, team_id=team_id, channel_id=channel_id)
        notify_user_id = config.updated_by if config is not None else None
    return scheduled.queue_message(
        session,
        team_id=team_id,
        channel_id=channel_id,
        message={
            "$make": {
                "name": HUDDLE_MAKER,
                "args": {
                    "team_id": team_id,
                    "channel_id": channel_id,
                    "default_tz": default_tz,
                    "local_date": local_date.isoformat() if local_date else None,
                },
            }
        },
        now=now,
        ledger_post_id=ledger_post_id,
        notify_user_id=notify_user_id,
        description="huddle",
    )


def huddle_message(
    db: Database,
    *,
    team_id: str,
    channel_id: str,
    default_tz: str,
    local_date: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Delivery maker: the channel's huddle as it stands when it is sent."""
    with db.session() as session:
        built = huddle.channel_huddle(
            session,
            team_id=team_id,
            channel_id=channel_id,
            default_tz=default_tz,
            now=now,
            sources=huddle_sources(),
            local_date=date.fromisoformat(local_date) if local_date else None,
        )
    return render("messages/huddle", huddle=built, preview=False)
