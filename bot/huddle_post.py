"""Build a channel's huddle from the database and post it (scheduled job, /huddle now, CLI)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from bot.blocks import render
from bot.services import huddle
from bot.services.huddle_sources import huddle_sources

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.db import Database


def post_huddle(
    db: Database,
    client: WebClient,
    *,
    team_id: str,
    channel_id: str,
    now: datetime,
    default_tz: str,
    local_date: date | None = None,
) -> str:
    """Build the channel's huddle from the database and post it there; returns its ts."""
    with db.session() as session:
        built = huddle.channel_huddle(
            session,
            team_id=team_id,
            channel_id=channel_id,
            default_tz=default_tz,
            now=now,
            sources=huddle_sources(),
            local_date=local_date,
        )
    message = render("messages/huddle", huddle=built, preview=False)
    return str(client.chat_postMessage(channel=channel_id, **message)["ts"])
