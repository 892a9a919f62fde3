"""How fresh a KPI's latest value is.

Each KPI expects a value every so often: `every=` when an admin set it, else its query's
`every` when SQL computes it, else learnt from the data (the median gap between its latest
values), else one day. A KPI whose latest value is
older than twice that is stale: every surface shows its age ("latest 8 days old") instead of
a trend, and its owner (else its creator) is told once, during their working hours: from
08:00 to 18:00 on weekdays in their Slack timezone. A KPI that goes stale at night or at the
weekend is told at their next 08:00 (unless a value came meanwhile), together with every
other KPI of theirs that is stale by then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import pairwise
from statistics import median
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.models import Kpi, KpiDatapoint, KpiQuery
from bot.services import workspace

DEFAULT_EVERY = timedelta(days=1)
# A gap shorter than this is two values of one reading, not the KPI's cadence.
SHORTEST_EVERY = timedelta(minutes=1)
LEARN_FROM = 10  # latest values whose gaps teach a KPI's cadence
STALE_AFTER = 2  # a value is stale when older than this many expected intervals
WORKDAY_START = time(8)
WORKDAY_END = time(18)


@dataclass(frozen=True)
class Freshness:
    every: timedelta  # how often a value is expected
    learnt: bool  # True when `every` was learnt from the data (or the default)
    latest_at: datetime | None
    age: timedelta | None  # how old the latest value is, when it is stale; else None

    @property
    def stale(self) -> bool:
        return self.age is not None


def stale_age(latest_at: datetime | None, every: timedelta, now: datetime) -> timedelta | None:
    """The latest value's age when it is older than twice `every`; None when fresh or none."""
    if latest_at is None:
        return None
    age = now - latest_at
    return age if age > STALE_AFTER * every else None


def learnt_every(times: Iterable[datetime]) -> timedelta | None:
    """The median gap between distinct times (any order); None with fewer than two."""
    ordered = sorted(set(times))
    gaps = [b - a for a, b in pairwise(ordered)]
    gaps = [gap for gap in gaps if gap >= SHORTEST_EVERY]
    if not gaps:
        return None
    return timedelta(seconds=round(median(gap.total_seconds() for gap in gaps)))


def freshness_of(
    session: Session, *, team_id: str, kpis: Iterable[Kpi], now: datetime
) -> dict[int, Freshness]:
    """Freshness of each KPI, keyed by id, from one query whatever the number of KPIs."""
    by_id = {kpi.id: kpi for kpi in kpis}
    if not by_id:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=KpiDatapoint.kpi_id,
            order_by=(KpiDatapoint.at.desc(), KpiDatapoint.id.desc()),
        )
        .label("rank")
    )
    latest = (
        select(KpiDatapoint.kpi_id, KpiDatapoint.at, rank)
        .where(KpiDatapoint.team_id == team_id, KpiDatapoint.kpi_id.in_(by_id))
        .subquery()
    )
    times: dict[int, list[datetime]] = {kpi_id: [] for kpi_id in by_id}
    rows = session.execute(
        select(latest.c.kpi_id, latest.c.at).where(latest.c.rank <= LEARN_FROM)
    ).all()
    for kpi_id, at in rows:
        times[kpi_id].append(at)
    queried = dict(
        session.execute(
            select(KpiQuery.kpi_id, KpiQuery.every_seconds).where(
                KpiQuery.team_id == team_id,
                KpiQuery.kpi_id.in_(by_id),
                KpiQuery.stopped_at.is_(None),
            )
        )
        .tuples()
        .all()
    )
    return {
        kpi_id: _freshness(by_id[kpi_id], times[kpi_id], now, query_every=queried.get(kpi_id))
        for kpi_id in by_id
    }


def freshness(session: Session, *, kpi: Kpi, now: datetime) -> Freshness:
    """Freshness of one KPI."""
    return freshness_of(session, team_id=kpi.team_id, kpis=[kpi], now=now)[kpi.id]


def _freshness(
    kpi: Kpi, times: list[datetime], now: datetime, *, query_every: int | None
) -> Freshness:
    latest_at = max(times) if times else None
    if kpi.every_seconds:
        every, learnt = timedelta(seconds=kpi.every_seconds), False
    elif query_every:
        every, learnt = timedelta(seconds=query_every), False
    else:
        every, learnt = learnt_every(times) or DEFAULT_EVERY, True
    return Freshness(
        every=every, learnt=learnt, latest_at=latest_at, age=stale_age(latest_at, every, now)
    )


def answerer(kpi: Kpi) -> str:
    """Who answers for a KPI: its owner, else whoever created it."""
    return kpi.owner_id or kpi.created_by


def in_working_hours(moment: datetime, zone: ZoneInfo) -> bool:
    """Monday to Friday, 08:00 to 18:00 in `zone`."""
    local = moment.astimezone(zone)
    return local.weekday() < 5 and WORKDAY_START <= local.time() < WORKDAY_END


def check_stale(
    session: Session, *, now: datetime, default_zone: ZoneInfo
) -> list[tuple[Kpi, Freshness]]:
    """The KPIs (of every workspace) that are stale and not yet told, whose answerer is
    within working hours at `now` in their Slack timezone (cached profile, else
    `default_zone`); the others wait for a later check. Each is claimed with a conditional
    UPDATE of `stale_notified_at` so that its answerer is told exactly once, whatever the
    number of instances. A KPI that is fresh again has its notice cleared, so that going
    stale later is told again."""
    by_team: dict[str, list[Kpi]] = {}
    for kpi in session.scalars(select(Kpi).where(Kpi.deleted_at.is_(None)).order_by(Kpi.id)):
        by_team.setdefault(kpi.team_id, []).append(kpi)
    went_stale: list[tuple[Kpi, Freshness]] = []
    working: dict[tuple[str, str], bool] = {}
    for team_id, team_kpis in by_team.items():
        fresh = freshness_of(session, team_id=team_id, kpis=team_kpis, now=now)
        for kpi in team_kpis:
            state = fresh[kpi.id]
            if state.stale and kpi.stale_notified_at is None:
                person = (team_id, answerer(kpi))
                if person not in working:
                    zone = _zone(session, team_id=team_id, user_id=person[1], default=default_zone)
                    working[person] = in_working_hours(now, zone)
                if working[person] and _set_notice(session, kpi=kpi, was_told=False, value=now):
                    went_stale.append((kpi, state))
            elif not state.stale and kpi.stale_notified_at is not None:
                _set_notice(session, kpi=kpi, was_told=True, value=None)
    return went_stale


def _zone(session: Session, *, team_id: str, user_id: str, default: ZoneInfo) -> ZoneInfo:
    profile = workspace.get_profile(session, team_id=team_id, user_id=user_id)
    try:
        return ZoneInfo(profile.tz) if profile is not None and profile.tz else default
    except (ZoneInfoNotFoundError, ValueError):
        return default


def _set_notice(session: Session, *, kpi: Kpi, was_told: bool, value: datetime | None) -> bool:
    """Set the KPI's stale notice if it is still as this process saw it; False when another
    instance got there first."""
    told = Kpi.stale_notified_at.is_not(None) if was_told else Kpi.stale_notified_at.is_(None)
    result = session.execute(
        update(Kpi)
        .where(Kpi.team_id == kpi.team_id, Kpi.id == kpi.id, told)
        .values(stale_notified_at=value)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    kpi.stale_notified_at = value
    return True
