"""The delivery outbox in the database: write a Web API call to make in the transaction of
the change that causes it; claim, record and retry them for the delivery worker; say what is
waiting or failed.

Rows of one `key` are delivered one at a time in id order: only the oldest unfinished row
of a key (its head) can be claimed. A claim is atomic: PostgreSQL takes heads with
`FOR UPDATE SKIP LOCKED`, and every claim is a conditional UPDATE on the row's status, so
several workers and instances never take the same row.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from bot.errors import ConflictError, NotFoundError
from bot.models import Delivery, DeliveryStatus, UnknownOutcome

GIVE_UP_AFTER = timedelta(hours=25)
MAX_BACKOFF = timedelta(seconds=60)
FIRST_BACKOFF = timedelta(seconds=1)
# A send takes at most the Web API timeout; a claim older than this belongs to a dead worker.
LEASE = timedelta(seconds=90)
FAILED_SHOWN = 20
KEEP_SENT = timedelta(days=7)
KEEP_FAILED = timedelta(days=30)
UNFINISHED = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)

# What an admin reads for each permanent error Slack gives, and what to do about it.
REASONS = {
    "not_in_channel": "Opsbot is not in the channel. Invite it there with `/invite @Opsbot`, "
    "then press Retry.",
    "channel_not_found": "The channel does not exist or Opsbot cannot see it (a private "
    "channel needs `/invite @Opsbot`). Fix that or configure another channel, then Retry.",
    "is_archived": "The channel is archived. Unarchive it or configure another channel, "
    "then press Retry.",
    "restricted_action": "The channel does not let apps post. Ask a workspace admin to "
    "allow it, then press Retry.",
    "invalid_auth": "Slack refused Opsbot's token. Check SLACK_BOT_TOKEN, then Retry.",
    "not_authed": "Slack refused Opsbot's token. Check SLACK_BOT_TOKEN, then Retry.",
    "token_revoked": "Opsbot's token was revoked. Reinstall the app, then Retry.",
    "account_inactive": "Opsbot's token belongs to a deactivated account. Reinstall the app, "
    "then Retry.",
    "missing_scope": "Opsbot's Slack app lacks a permission it needs. Reinstall it from the "
    "manifest in the repository, then Retry.",
    "user_not_found": "That person is not in the workspace any more.",
    "user_disabled": "That person's account is deactivated.",
    "cannot_dm_bot": "That user is a bot, which cannot be messaged.",
    "invalid_blocks": "Slack refused the message's layout. This is a bug in Opsbot; please "
    "report it.",
    "msg_blocks_too_long": "The message was too long for Slack. This is a bug in Opsbot; "
    "please report it.",
    "message_not_found": "The message to change was deleted in Slack.",
    "gone": "What the message was about no longer exists.",
    "parent_failed": "The message it belongs under could not be posted.",
    "interrupted": "The process sending it stopped mid-send and Slack does not show it "
    "arrived; it was not sent again to avoid a duplicate. Press Retry to send it.",
    "gave_up": "Slack kept failing for over a day.",
    "paid_teams_only": "User groups need a paid Slack plan.",
    "plan_upgrade_required": "User groups need a paid Slack plan.",
    "no_such_subteam": "The user group does not exist any more. Pick another one with "
    "`/oncall config <schedule> usergroup=@group`.",
    "permission_denied": "Slack does not let apps change that user group. A workspace admin "
    "can allow it (or pick another group), then press Retry.",
    "not_allowed_token_type": "Slack does not let a bot token change user groups on this "
    "workspace.",
}
CHANNEL_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived"})


def reason_for(error: str | None) -> str:
    """A sentence an admin can act on for a failed delivery's error code."""
    if not error:
        return "Unknown."
    return REASONS.get(error, f"Slack refused it (`{error}`).")


@dataclass(frozen=True)
class Outcome:
    """What became of a delivery, for its recorder."""

    ok: bool
    at: datetime
    ts: str | None = None
    channel: str | None = None
    permalink: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Claimed:
    """A claimed delivery, detached from any session: what the worker needs to send it."""

    id: int
    team_id: str
    key: str
    method: str
    channel_id: str | None
    payload: dict[str, Any]
    attempts: int
    claimed_at: datetime
    give_up_at: datetime
    recorder: str | None
    recorder_arg: dict[str, Any] | None
    notify_user_id: str | None
    on_unknown: str
    description: str

    @classmethod
    def of(cls, row: Delivery) -> Claimed:
        assert row.claimed_at is not None
        return cls(
            id=row.id,
            team_id=row.team_id,
            key=row.key,
            method=row.method,
            channel_id=row.channel_id,
            payload=json.loads(row.payload),
            attempts=row.attempts,
            claimed_at=row.claimed_at,
            give_up_at=row.give_up_at,
            recorder=row.recorder,
            recorder_arg=json.loads(row.recorder_arg) if row.recorder_arg else None,
            notify_user_id=row.notify_user_id,
            on_unknown=row.on_unknown,
            description=row.description,
        )


def enqueue(
    session: Session,
    *,
    team_id: str,
    key: str,
    method: str,
    payload: dict[str, Any],
    now: datetime,
    channel_id: str | None = None,
    recorder: str | None = None,
    recorder_arg: dict[str, Any] | None = None,
    notify_user_id: str | None = None,
    on_unknown: str = UnknownOutcome.RESEND,
    description: str = "",
) -> Delivery:
    """Add one Web API call to the outbox, in the caller's transaction. It is sent after
    every earlier row of the same `key`. Returns the row (flush the session for its id)."""
    row = Delivery(
        team_id=team_id,
        key=key,
        method=method,
        channel_id=channel_id,
        payload=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        status=DeliveryStatus.PENDING,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
        give_up_at=now + GIVE_UP_AFTER,
        recorder=recorder,
        recorder_arg=json.dumps(recorder_arg) if recorder_arg is not None else None,
        notify_user_id=notify_user_id,
        on_unknown=on_unknown,
        description=description[:200],
    )
    session.add(row)
    session.info["outbox_written"] = True
    return row


def has_pending(session: Session, *, key: str, method: str) -> bool:
    """Whether a row of `method` for `key` is still waiting to be claimed (so a later
    refresh of the same thing need not be queued again)."""
    return (
        session.scalar(
            select(Delivery.id)
            .where(
                Delivery.key == key,
                Delivery.method == method,
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.attempts == 0,
            )
            .limit(1)
        )
        is not None
    )


def heads(
    session: Session,
    *,
    now: datetime,
    limit: int,
    lock: bool,
    paced_methods: Collection[str] = (),
    skip_channels: Sequence[str] = (),
    skip_methods: Sequence[str] = (),
) -> list[Delivery]:
    """Due rows that are the oldest unfinished row of their key, oldest first, leaving out
    methods that must wait, and posts (`paced_methods`) to channels that must wait. With
    `lock` (PostgreSQL) they are locked, skipping rows another worker is claiming now."""
    earlier = aliased(Delivery)
    blocked = exists().where(
        earlier.key == Delivery.key,
        earlier.id < Delivery.id,
        earlier.status.in_(UNFINISHED),
    )
    statement = (
        select(Delivery)
        .where(
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.next_attempt_at <= now,
            ~blocked,
        )
        .order_by(Delivery.id)
        .limit(limit)
    )
    if skip_channels and paced_methods:
        statement = statement.where(
            Delivery.channel_id.is_(None)
            | Delivery.channel_id.not_in(skip_channels)
            | Delivery.method.not_in(list(paced_methods))
        )
    if skip_methods:
        statement = statement.where(Delivery.method.not_in(skip_methods))
    if lock:
        statement = statement.with_for_update(skip_locked=True, of=Delivery)
    return list(session.scalars(statement))


def claim(session: Session, *, row: Delivery, worker: str, now: datetime) -> Claimed | None:
    """Take `row` for `worker`; None if another worker took it first."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == row.id, Delivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.SENDING, claimed_at=now, claimed_by=worker)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    session.refresh(row)
    return Claimed.of(row)


def superseded(session: Session, *, delivery: Claimed) -> bool:
    """Whether a later update of the same message waits in the outbox: an update made when
    it is sent shows the latest state, so only the last one needs to go to Slack."""
    if delivery.method != "chat.update" or "$make" not in delivery.payload:
        return False
    target = {k: delivery.payload.get(k) for k in ("channel", "ts", "$ts_from")}
    later = session.scalars(
        select(Delivery.payload).where(
            Delivery.key == delivery.key,
            Delivery.id > delivery.id,
            Delivery.method == "chat.update",
            Delivery.status == DeliveryStatus.PENDING,
        )
    )
    return any(
        {k: payload.get(k) for k in ("channel", "ts", "$ts_from")} == target
        for payload in map(json.loads, later)
    )


def abandoned(session: Session, *, now: datetime, limit: int = 50) -> list[Delivery]:
    """Rows claimed longer than the lease ago and never recorded: their worker died."""
    return list(
        session.scalars(
            select(Delivery)
            .where(Delivery.status == DeliveryStatus.SENDING, Delivery.claimed_at < now - LEASE)
            .order_by(Delivery.id)
            .limit(limit)
        )
    )


def take_over(session: Session, *, row: Delivery, worker: str, now: datetime) -> Claimed | None:
    """Claim an abandoned row for reconciliation; None if another worker already did."""
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.id == row.id,
            Delivery.status == DeliveryStatus.SENDING,
            Delivery.claimed_at == row.claimed_at,
        )
        .values(claimed_at=now, claimed_by=worker)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    return Claimed.of(row)  # with the dead claim's time: the send may date from then


def result_of(session: Session, *, delivery_id: int) -> Delivery | None:
    return session.get(Delivery, delivery_id)


def mark_sent(
    session: Session, *, delivery_id: int, ts: str | None, channel: str | None, now: datetime
) -> None:
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(
            status=DeliveryStatus.SENT,
            sent_at=now,
            result_ts=ts,
            result_channel=channel,
            error=None,
            error_detail=None,
        )
        .execution_options(synchronize_session=False)
    )


def mark_failed(
    session: Session, *, delivery_id: int, error: str, detail: str, now: datetime
) -> None:
    """A permanent failure: shown to admins with the reason, sent again only on Retry."""
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(
            status=DeliveryStatus.FAILED,
            error=error[:64],
            error_detail=detail[:2000],
            next_attempt_at=now,
        )
        .execution_options(synchronize_session=False)
    )


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s … doubling up to a minute between tries."""
    return min(MAX_BACKOFF, FIRST_BACKOFF * (2 ** min(attempts - 1, 10)))


def mark_retry(
    session: Session,
    *,
    delivery: Claimed,
    error: str,
    detail: str,
    now: datetime,
    wait: timedelta | None = None,
) -> bool:
    """A transient failure: back to pending after `wait` (default: the backoff). False when
    the give-up time has passed, in which case the row is marked failed instead."""
    attempts = delivery.attempts + 1
    if now >= delivery.give_up_at:
        mark_failed(
            session,
            delivery_id=delivery.id,
            error="gave_up",
            detail=f"last error: {error}: {detail}",
            now=now,
        )
        return False
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery.id)
        .values(
            status=DeliveryStatus.PENDING,
            attempts=attempts,
            next_attempt_at=now + (backoff(attempts) if wait is None else wait),
            error=error[:64],
            error_detail=detail[:2000],
            claimed_at=None,
            claimed_by=None,
        )
        .execution_options(synchronize_session=False)
    )
    return True


def release(session: Session, *, delivery_id: int) -> None:
    """Put a claimed row back untouched (it could not be sent yet, e.g. rate limited)."""
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == DeliveryStatus.SENDING)
        .values(status=DeliveryStatus.PENDING, claimed_at=None, claimed_by=None)
        .execution_options(synchronize_session=False)
    )


# -- what admins see ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FailedDelivery:
    id: int
    description: str
    method: str
    channel_id: str | None
    error: str | None
    reason: str
    failed_at: datetime
    created_at: datetime


@dataclass(frozen=True)
class OutboxStatus:
    waiting: int
    oldest_waiting_since: datetime | None
    retrying: int
    last_error: str | None
    failed: list[FailedDelivery]
    failed_total: int


def _failed(row: Delivery) -> FailedDelivery:
    return FailedDelivery(
        id=row.id,
        description=row.description or row.method,
        method=row.method,
        channel_id=row.channel_id,
        error=row.error,
        reason=reason_for(row.error),
        failed_at=row.next_attempt_at,
        created_at=row.created_at,
    )


def status(session: Session, *, team_id: str | None, limit: int = FAILED_SHOWN) -> OutboxStatus:
    """What is waiting (count, oldest) and what failed (newest first) in a workspace, or in
    every workspace when `team_id` is None (the CLI)."""

    def scoped(statement: Any) -> Any:
        return statement if team_id is None else statement.where(Delivery.team_id == team_id)

    waiting, oldest = session.execute(
        scoped(
            select(func.count(), func.min(Delivery.created_at)).where(
                Delivery.status.in_(UNFINISHED)
            )
        )
    ).one()
    retrying = session.scalar(
        scoped(
            select(func.count()).where(
                Delivery.status == DeliveryStatus.PENDING, Delivery.attempts > 0
            )
        )
    )
    last_error = session.scalar(
        scoped(
            select(Delivery.error)
            .where(Delivery.status == DeliveryStatus.PENDING, Delivery.attempts > 0)
            .order_by(Delivery.id)
            .limit(1)
        )
    )
    failed_filter = scoped(select(Delivery).where(Delivery.status == DeliveryStatus.FAILED))
    failed_total = session.scalar(
        scoped(select(func.count()).where(Delivery.status == DeliveryStatus.FAILED))
    )
    failed = session.scalars(failed_filter.order_by(Delivery.id.desc()).limit(limit))
    return OutboxStatus(
        waiting=int(waiting or 0),
        oldest_waiting_since=oldest,
        retrying=int(retrying or 0),
        last_error=last_error,
        failed=[_failed(row) for row in failed],
        failed_total=int(failed_total or 0),
    )


def failed_since(
    session: Session, *, team_id: str, since: datetime, limit: int = 5
) -> list[FailedDelivery]:
    """The workspace's deliveries that failed since `since`, newest first (App Home)."""
    rows = session.scalars(
        select(Delivery)
        .where(
            Delivery.team_id == team_id,
            Delivery.status == DeliveryStatus.FAILED,
            Delivery.next_attempt_at >= since,
        )
        .order_by(Delivery.id.desc())
        .limit(limit)
    )
    return [_failed(row) for row in rows]


def retry(session: Session, *, team_id: str | None, delivery_id: int, now: datetime) -> int:
    """Send a failed delivery again from now on, with a fresh day of retries, together with
    the other failed deliveries of its conversation (a thread line whose message failed, or
    the message of a failed thread line), in their order. Returns how many were queued."""
    row = session.get(Delivery, delivery_id)
    if row is None or (team_id is not None and row.team_id != team_id):
        raise NotFoundError(f"There is no delivery {delivery_id}.")
    if row.status != DeliveryStatus.FAILED:
        raise ConflictError(f"Delivery {delivery_id} is {row.status}, not failed.")
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.team_id == row.team_id,
            Delivery.key == row.key,
            Delivery.status == DeliveryStatus.FAILED,
        )
        .values(
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            give_up_at=now + GIVE_UP_AFTER,
            claimed_at=None,
            claimed_by=None,
        )
        .execution_options(synchronize_session=False)
    )
    session.info["outbox_written"] = True
    return result.rowcount or 0


def forget_old(session: Session, *, now: datetime) -> int:
    """Delete deliveries sent more than a week ago and failures older than 30 days (their
    messages' ts live on in the rows that needed them). Returns how many went."""
    result = session.execute(
        delete(Delivery).where(
            ((Delivery.status == DeliveryStatus.SENT) & (Delivery.sent_at < now - KEEP_SENT))
            | (
                (Delivery.status == DeliveryStatus.FAILED)
                & (Delivery.next_attempt_at < now - KEEP_FAILED)
            )
        )
    )
    return result.rowcount or 0
