"""The huddle in Slack: build a channel's huddle from the database and queue its post
(scheduled job, `/huddle now`, CLI)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.models import UnknownOutcome
from bot.services import huddle, ledger, outbox
from bot.services.huddle_sources import huddle_sources

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.models import Delivery
    from bot.services.outbox import Outcome

LEDGER_RECORDER = "ledger-post"


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
    return queue_scheduled_message(
        session,
        team_id=team_id,
        channel_id=channel_id,
        message=render("messages/huddle", huddle=built, preview=False),
        now=now,
        ledger_post_id=ledger_post_id,
        notify_user_id=notify_user_id,
        description="huddle",
    )


def queue_scheduled_message(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    message: dict[str, Any],
    now: datetime,
    ledger_post_id: int | None,
    notify_user_id: str | None,
    description: str,
) -> Delivery:
    """Queue a post that goes out once a day (huddle, standup report, reminder): its outcome
    is recorded in the ledger, and it is never sent twice."""
    return outbox.enqueue(
        session,
        team_id=team_id,
        key=f"channel:{team_id}:{channel_id}",
        method="chat.postMessage",
        channel_id=channel_id,
        payload={"channel": channel_id, **message},
        now=now,
        recorder=LEDGER_RECORDER if ledger_post_id is not None else None,
        recorder_arg={"post_id": ledger_post_id} if ledger_post_id is not None else None,
        notify_user_id=notify_user_id,
        on_unknown=UnknownOutcome.FAIL,
        description=description,
    )


def record_ledger_post(session: Session, arg: dict[str, Any], outcome: Outcome) -> None:
    """Delivery recorder: the scheduled post went out (or failed for good)."""
    if outcome.ok:
        ledger.mark_sent(
            session, post_id=int(arg["post_id"]), message_ts=outcome.ts, now=outcome.at
        )
    else:
        error = outcome.error or "failed"
        ledger.mark_failed(
            session, post_id=int(arg["post_id"]), error=f"{outbox.reason_for(error)} ({error})"
        )
