"""Which scheduled posts are due now, for any feature whose schedule lives in the database.

A post is due when its schedule's latest occurrence (at or before now, and not before the
schedule was last changed) has no ledger row yet. An occurrence missed by more than the
grace period (the bot was down) is recorded in the ledger as skipped and logged instead,
so it is neither posted hours late nor reconsidered on every tick.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import ScheduledPost
from bot.services import holidays, ledger
from bot.services.ledger import PostKey
from bot.services.schedule import latest_occurrence

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostSchedule:
    """When one channel's post of some kind happens; `not_before` is when it was last changed.
    Nothing goes out on the holidays of `calendar`."""

    team_id: str
    channel_id: str
    at: time
    zone: ZoneInfo
    days: frozenset[int]
    not_before: datetime
    calendar: holidays.Calendar = holidays.NO_CALENDAR


@dataclass(frozen=True)
class DuePost:
    key: PostKey
    scheduled_for: datetime


def due_posts(
    session: Session,
    *,
    kind: str,
    schedules: Iterable[PostSchedule],
    now: datetime,
    grace: timedelta,
) -> list[DuePost]:
    """The posts of `kind` to deliver now; records (and logs) those missed beyond `grace`.

    One query for the ledger whatever the number of schedules."""
    candidates: list[DuePost] = []
    for schedule in schedules:
        found = latest_occurrence(
            now,
            at=schedule.at,
            zone=schedule.zone,
            days=schedule.days,
            not_before=schedule.not_before,
        )
        if found is not None and holidays.is_holiday(schedule.calendar, found.local_date) is None:
            key = PostKey(schedule.team_id, schedule.channel_id, kind, found.local_date)
            candidates.append(DuePost(key, found.at))
    return unsent(session, kind=kind, candidates=candidates, now=now, grace=grace)


def unsent(
    session: Session, *, kind: str, candidates: list[DuePost], now: datetime, grace: timedelta
) -> list[DuePost]:
    """The candidates (each its schedule's latest occurrence) without a ledger row yet that
    are within `grace`; those missed beyond it are recorded as skipped and logged."""
    if not candidates:
        return []
    dates = [candidate.key.local_date for candidate in candidates]
    known = set(
        session.execute(
            select(ScheduledPost.team_id, ScheduledPost.channel_id, ScheduledPost.local_date).where(
                ScheduledPost.kind == kind,
                ScheduledPost.local_date >= min(dates),
                ScheduledPost.local_date <= max(dates),
            )
        ).tuples()
    )
    due: list[DuePost] = []
    for candidate in candidates:
        key = candidate.key
        if (key.team_id, key.channel_id, key.local_date) in known:
            continue
        late = now - candidate.scheduled_for
        if late <= grace:
            due.append(candidate)
            continue
        reason = (
            f"missed by {int(late.total_seconds() // 60)} min while Opsbot was not running; "
            f"the grace period is {int(grace.total_seconds() // 60)} min"
        )
        if ledger.record_skipped(
            session, key=key, scheduled_for=candidate.scheduled_for, now=now, reason=reason
        ):
            log.warning(
                "skipped %s for %s/%s on %s: %s",
                kind,
                key.team_id,
                key.channel_id,
                key.local_date,
                reason,
            )
    return due
