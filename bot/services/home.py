"""App Home: what a person's Home tab shows, and when it may be published.

The overview gathers the person's open escalations (owned or reported), the KPI
scoreboard, their standups with today's state, and the next huddles.

Publishing is throttled per person to one every `REFRESH_INTERVAL`, in the database so
that it holds across several Opsbot instances: a publish is *claimed* with a conditional
UPDATE on `home_tabs.published_at` (one claimer wins); a change that arrives inside the
interval marks the tab stale instead, and the `app-home` job publishes the latest state
once the interval has passed. Only people who have opened their Home tab are kept current.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import HomeTab
from bot.services import escalations, huddle, oncall, outbox, standups
from bot.services.huddle_sources import kpi_lines

REFRESH_INTERVAL = timedelta(seconds=5)
STALE_BATCH = 200
MAX_HUDDLES = 3
FAILURES_LOOKED_AT = 200  # the newest failures grouped into the Home tab's lines


# -- what the Home tab shows ------------------------------------------------------------------


@dataclass(frozen=True)
class NextHuddle:
    channel_id: str
    at: datetime  # UTC
    tz: str


@dataclass(frozen=True)
class HomeOverview:
    """Everything one person's Home tab shows (Slack shows its times in their own zone)."""

    user_id: str
    escalations: list[escalations.EscalationSummary]
    kpis: huddle.KpiSection | None
    standups: list[standups.UserStandup]
    huddles: list[NextHuddle]
    more_huddles: int
    next_shift: oncall.PersonShift | None = None  # on call now, or next within 14 days


@dataclass(frozen=True)
class FailureLine:
    """Failed deliveries of one kind, to one place, for one reason: listed once, counted."""

    description: str
    channel_id: str | None
    reason: str
    count: int


def failure_lines(
    session: Session, *, team_id: str, since: datetime, limit: int = 5
) -> list[FailureLine]:
    """The workspace's failed deliveries since `since`, newest first, those with the same
    description, channel and error (a user group refused at every shift change) as one
    line with how many there were."""
    grouped: dict[tuple[str, str | None, str | None], list[outbox.FailedDelivery]] = {}
    for failed in outbox.failed_since(
        session, team_id=team_id, since=since, limit=FAILURES_LOOKED_AT
    ):
        grouped.setdefault((failed.description, failed.channel_id, failed.error), []).append(failed)
    return [
        FailureLine(same[0].description, same[0].channel_id, same[0].reason, len(same))
        for same in list(grouped.values())[:limit]
    ]


def next_huddles(session: Session, *, team_id: str, now: datetime) -> list[NextHuddle]:
    """The workspace's scheduled huddles by their next run, soonest first."""
    runs = [
        NextHuddle(status.config.channel_id, status.next_run, status.config.tz)
        for status in huddle.channel_statuses(session, team_id=team_id, now=now)
        if status.next_run is not None
    ]
    return sorted(runs, key=lambda run: (run.at, run.channel_id))


def overview(session: Session, *, team_id: str, user_id: str, now: datetime) -> HomeOverview:
    """What `user_id`'s Home tab shows now."""
    lines = kpi_lines(session, team_id=team_id, now=now, since=now)
    huddles = next_huddles(session, team_id=team_id, now=now)
    return HomeOverview(
        user_id=user_id,
        escalations=escalations.escalations_for_user(
            session, team_id=team_id, user_id=user_id, now=now
        ),
        kpis=None if lines is None else huddle.kpi_section(lines),
        standups=standups.user_standups_today(session, team_id=team_id, user_id=user_id, now=now),
        huddles=huddles[:MAX_HUDDLES],
        more_huddles=max(0, len(huddles) - MAX_HUDDLES),
        next_shift=oncall.next_shift(session, team_id=team_id, user_id=user_id, now=now),
    )


# -- when it may be published -----------------------------------------------------------------


def _claim(session: Session, *, team_id: str, user_id: str, now: datetime) -> bool:
    """Take the right to publish the person's tab now; False when it was published less than
    `REFRESH_INTERVAL` ago (or has no row). Concurrent claimers: one UPDATE matches."""
    result = session.execute(
        update(HomeTab)
        .where(
            HomeTab.team_id == team_id,
            HomeTab.user_id == user_id,
            or_(HomeTab.published_at.is_(None), HomeTab.published_at <= now - REFRESH_INTERVAL),
        )
        .values(published_at=now, stale_since=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _mark_stale(session: Session, *, team_id: str, user_ids: Iterable[str], now: datetime) -> None:
    session.execute(
        update(HomeTab)
        .where(
            HomeTab.team_id == team_id,
            HomeTab.user_id.in_(list(user_ids)),
            HomeTab.stale_since.is_(None),
        )
        .values(stale_since=now)
        .execution_options(synchronize_session=False)
    )


def open_tab(session: Session, *, team_id: str, user_id: str, now: datetime) -> bool:
    """The person opened their Home tab: keep it current from now on, and claim a publish.
    False when one went out within the interval; the tab is then marked stale, so the
    `app-home` job publishes it again once the interval has passed."""
    known = session.scalar(
        select(HomeTab.id).where(HomeTab.team_id == team_id, HomeTab.user_id == user_id)
    )
    if known is None:
        try:
            with session.begin_nested():
                session.add(HomeTab(team_id=team_id, user_id=user_id))
        except IntegrityError:  # opened at the same moment elsewhere; that row serves
            pass
    return claim_refresh(session, team_id=team_id, user_ids=[user_id], now=now) == [user_id]


def claim_refresh(
    session: Session, *, team_id: str, user_ids: Iterable[str], now: datetime
) -> list[str]:
    """Something these people's Home tabs show has changed. Returns those whose tab is to
    be published now; the others who have a tab are marked stale (published later by the
    `app-home` job); people who never opened theirs are left alone."""
    wanted = list(dict.fromkeys(user for user in user_ids if user))
    claimed = [user for user in wanted if _claim(session, team_id=team_id, user_id=user, now=now)]
    waiting = [user for user in wanted if user not in claimed]
    if waiting:
        _mark_stale(session, team_id=team_id, user_ids=waiting, now=now)
    return claimed


def claim_stale(
    session: Session, *, now: datetime, limit: int = STALE_BATCH
) -> list[tuple[str, str]]:
    """(team_id, user_id) of the stale tabs whose interval has passed, claimed for publishing
    now (every workspace; oldest change first; each claimed by exactly one instance)."""
    due = session.execute(
        select(HomeTab.team_id, HomeTab.user_id)
        .where(
            HomeTab.stale_since.is_not(None),
            or_(HomeTab.published_at.is_(None), HomeTab.published_at <= now - REFRESH_INTERVAL),
        )
        .order_by(HomeTab.stale_since)
        .limit(limit)
    ).all()
    return [
        (team_id, user_id)
        for team_id, user_id in due
        if _claim(session, team_id=team_id, user_id=user_id, now=now)
    ]
