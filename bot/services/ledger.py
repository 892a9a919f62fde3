"""The exactly-once ledger for scheduled posts.

A post is claimed by inserting its row (unique per workspace, channel, kind and
local date) in its own committed transaction *before* it is sent, so restarts,
overlapping runs and several instances never send it twice. A failed send is
retried with backoff and, if it finally fails, stays visible as failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import PostStatus, ScheduledPost

MAX_ATTEMPTS = 6
FIRST_RETRY_DELAY = timedelta(minutes=1)
STUCK_AFTER = timedelta(minutes=15)


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


def mark_attempt_failed(session: Session, *, post_id: int, error: str, now: datetime) -> str:
    """Count a failed send; schedule a retry with doubling delay, or give up. Returns the status."""
    post = session.get(ScheduledPost, post_id)
    assert post is not None
    post.attempts += 1
    post.last_error = error[:2000]
    if post.attempts >= MAX_ATTEMPTS:
        post.status = PostStatus.FAILED
        post.next_attempt_at = None
    else:
        post.status = PostStatus.RETRYING
        post.next_attempt_at = now + FIRST_RETRY_DELAY * (2 ** (post.attempts - 1))
    session.flush()
    return post.status


def claim_due_retries(session: Session, *, now: datetime) -> list[ScheduledPost]:
    """Take the retries that are due; each is taken by exactly one caller."""
    due_ids = session.scalars(
        select(ScheduledPost.id).where(
            ScheduledPost.status == PostStatus.RETRYING, ScheduledPost.next_attempt_at <= now
        )
    ).all()
    taken: list[ScheduledPost] = []
    for post_id in due_ids:
        result = session.execute(
            update(ScheduledPost)
            .where(ScheduledPost.id == post_id, ScheduledPost.status == PostStatus.RETRYING)
            .values(status=PostStatus.CLAIMED, claimed_at=now)
        )
        if result.rowcount == 1:
            post = session.get(ScheduledPost, post_id)
            assert post is not None
            session.refresh(post)
            taken.append(post)
    return taken


def fail_stuck_claims(session: Session, *, now: datetime) -> int:
    """Claims that never finished (the process died mid-send) are marked failed, not resent:
    the post may have gone out, and a visible failure beats a duplicate."""
    result = session.execute(
        update(ScheduledPost)
        .where(
            ScheduledPost.status == PostStatus.CLAIMED,
            ScheduledPost.claimed_at < now - STUCK_AFTER,
        )
        .values(status=PostStatus.FAILED, last_error="interrupted while sending; not resent")
    )
    return result.rowcount or 0


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
