"""Every scheduled job, registered on the scheduler in one place."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from bot.blocks import render
from bot.services import huddle
from bot.services.huddle_sources import huddle_sources

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.db import Database
    from bot.models import ScheduledPost
    from bot.runtime import Runtime


def register_jobs(runtime: Runtime) -> None:
    """Each feature adds its job and its ledger senders here."""
    register_huddle(runtime)


# --- huddle ---------------------------------------------------------------------------------


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


def register_huddle(runtime: Runtime) -> None:
    """Every tick: post the huddles that are due (exactly once each, through the ledger)."""
    grace = timedelta(minutes=runtime.settings.opsbot_grace_minutes)

    def run_huddles(now: datetime) -> None:
        with runtime.db.session() as session:
            due = huddle.due_huddles(session, now=now, grace=grace)
        for post in due:
            runtime.scheduler.deliver(post.key, scheduled_for=post.scheduled_for, now=now)

    def send_huddle(post: ScheduledPost) -> str:
        return post_huddle(
            runtime.db,
            runtime.client,
            team_id=post.team_id,
            channel_id=post.channel_id,
            now=runtime.clock.now(),
            default_tz=runtime.settings.opsbot_timezone,
            local_date=post.local_date,
        )

    runtime.scheduler.add_job("huddle", run_huddles)
    runtime.scheduler.add_sender(huddle.HUDDLE_KIND, send_huddle)


# --- end huddle -----------------------------------------------------------------------------
