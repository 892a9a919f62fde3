"""The exactly-once ledger for scheduled posts.

A post is claimed by inserting its row (unique per workspace, channel, kind and local
date) in the transaction that queues it in the delivery outbox, so restarts, overlapping
runs and several instances never queue it twice. Sending, retries and crash recovery are
the outbox's; the ledger records the outcome (sent with its ts, or failed with why).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import PostStatus, ScheduledPost


@dataclass(frozen=True)
class PostKey:
    team_id: str
    channel_id: str
    kind: str
    local_date: date


def _new_row(key: PostKey, *, status: str, scheduled_for: datetime, now: datetime) -> ScheduledPost:
    return ScheduledPost(
        team_id=key.team_id,
        channel_id=key.channel_id,
        kind=key.kind,
        local_date=key.local_date,
        scheduled_for=scheduled_for,
        status=status,
        attempts=0,
        claimed_at=now,
    )


def _insert_once(session: Session, row: ScheduledPost) -> ScheduledPost | None:
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def claim_post(
    session: Session, *, key: PostKey, scheduled_for: datetime, now: datetime
) -> ScheduledPost | None:
    """Claim the right to send this post; None when someone already has."""
    return _insert_once(
        session, _new_row(key, status=PostStatus.CLAIMED, scheduled_for=scheduled_for, now=now)
    )


def record_skipped(
    session: Session, *, key: PostKey, scheduled_for: datetime, now: datetime, reason: str
) -> bool:
    """Record a post that will not be sent (missed beyond the grace period). False if known."""
    row = _new_row(key, status=PostStatus.SKIPPED, scheduled_for=scheduled_for, now=now)
    row.last_error = reason
    return _insert_once(session, row) is not None


def is_claimed(session: Session, *, key: PostKey) -> bool:
    return (
        session.scalar(
            select(ScheduledPost.id).where(
                ScheduledPost.team_id == key.team_id,
                ScheduledPost.channel_id == key.channel_id,
                ScheduledPost.kind == key.kind,
                ScheduledPost.local_date == key.local_date,
            )
        )
        is not None
    )


def mark_sent(session: Session, *, post_id: int, message_ts: str | None, now: datetime) -> None:
    session.execute(
        update(ScheduledPost)
        .where(ScheduledPost.id == post_id)
        .values(status=PostStatus.SENT, sent_at=now, message_ts=message_ts, next_attempt_at=None)
    )


def mark_failed(session: Session, *, post_id: int, error: str) -> None:
    """The outbox gave up on the post (a permanent error, or a day of Slack failing)."""
    session.execute(
        update(ScheduledPost)
        .where(ScheduledPost.id == post_id)
        .values(status=PostStatus.FAILED, last_error=error[:2000], next_attempt_at=None)
    )


def posts_for_channel(
    session: Session, *, team_id: str, channel_id: str, kind: str, limit: int = 1
) -> list[ScheduledPost]:
    """The most recent ledger rows of one channel and kind, newest first."""
    return list(
        session.scalars(
            select(ScheduledPost)
            .where(
                ScheduledPost.team_id == team_id,
                ScheduledPost.channel_id == channel_id,
                ScheduledPost.kind == kind,
            )
            .order_by(ScheduledPost.local_date.desc())
            .limit(limit)
        )
    )
