"""Posts that go out once a day (huddles, standup reports, reminders): claimed in the ledger
and queued in the outbox in one transaction, their outcome recorded back in the ledger."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.models import UnknownOutcome
from bot.services import ledger, outbox

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.db import Database
    from bot.models import Delivery, ScheduledPost
    from bot.services.ledger import PostKey
    from bot.services.outbox import Outcome

LEDGER_RECORDER = "ledger-post"


def claim_and_queue(
    db: Database,
    *,
    key: PostKey,
    scheduled_for: datetime,
    now: datetime,
    queue: Callable[[Session, ScheduledPost], Any],
) -> None:
    """Claim the post in the ledger and, if this caller won it, `queue(session, post)` its
    message in the same transaction: exactly once, across restarts and instances."""
    with db.session() as session:
        post = ledger.claim_post(session, key=key, scheduled_for=scheduled_for, now=now)
        if post is not None:
            queue(session, post)


def queue_message(
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
