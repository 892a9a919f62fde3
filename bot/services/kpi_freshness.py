"""How fresh a KPI's latest value is.

Each KPI expects a value every so often: `every=` when an admin set it, else learnt from the
data (the median gap between its latest values), else one day. A KPI whose latest value is
older than twice that is stale: every surface shows its age ("latest 8 days old") instead of
a trend, and its owner is told once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Kpi, KpiDatapoint

DEFAULT_EVERY = timedelta(days=1)
# A gap shorter than this is two values of one reading, not the KPI's cadence.
SHORTEST_EVERY = timedelta(minutes=1)
LEARN_FROM = 10  # latest values whose gaps teach a KPI's cadence
STALE_AFTER = 2  # a value is stale when older than this many expected intervals


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
    return {kpi_id: _freshness(by_id[kpi_id], times[kpi_id], now) for kpi_id in by_id}


def freshness(session: Session, *, kpi: Kpi, now: datetime) -> Freshness:
    """Freshness of one KPI."""
    return freshness_of(session, team_id=kpi.team_id, kpis=[kpi], now=now)[kpi.id]


def _freshness(kpi: Kpi, times: list[datetime], now: datetime) -> Freshness:
    latest_at = max(times) if times else None
    if kpi.every_seconds:
        every, learnt = timedelta(seconds=kpi.every_seconds), False
    else:
        every, learnt = learnt_every(times) or DEFAULT_EVERY, True
    return Freshness(
        every=every, learnt=learnt, latest_at=latest_at, age=stale_age(latest_at, every, now)
    )
