"""The huddle in Slack: build a channel's huddle from the database and queue its post
(scheduled job, `/huddle now`, CLI)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from bot.blocks import render
from bot.messaging import scheduled
from bot.services import huddle
from bot.services.huddle_sources import huddle_sources

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.models import Delivery


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
    """Build the channel's huddle now and queue its post there. A scheduled one records its
    outcome in the ledger; a duplicate huddle is worse than a late one, so a post whose
    outcome was lost in a crash is not sent again without an admin's Retry."""
    built = huddle.channel_huddle(
        session,
        team_id=team_id,
        channel_id=channel_id,
        default_tz=default_tz,
        now=now,
        sources=huddle_sources(),
        local_date=local_date,
    )
    if notify_user_id is None:
        config = huddle.get_config(session, team_id=team_id, channel_id=channel_id)
        notify_user_id = config.updated_by if config is not None else None
    return scheduled.queue_message(
        session,
        team_id=team_id,
        channel_id=channel_id,
        message=render("messages/huddle", huddle=built, preview=False),
        now=now,
        ledger_post_id=ledger_post_id,
        notify_user_id=notify_user_id,
        description="huddle",
    )
