"""A KPI's expected cadence (set or learnt) and when its latest value is stale."""

from __future__ import annotations

from datetime import timedelta

from bot.db import Database
from bot.models import Kpi
from bot.services import kpi_freshness, kpis
from tests.conftest import OTHER_TEAM, START, TEAM


def _kpi(session, name: str, team: str = TEAM, **kw) -> Kpi:  # type: ignore[no-untyped-def]
    return kpis.create_kpi(
        session,
        team_id=team,
        name=name,
        created_by="UADMIN",
        now=START,
        target=95.0,
        better="higher",
        warn=None,
        unit="%",
        **kw,
    )


def _values(session, kpi: Kpi, *ages: timedelta) -> None:  # type: ignore[no-untyped-def]
    points = [(96.0, START - age) for age in ages]
    kpis.record_values(session, kpi=kpi, points=points, source="slack", recorded_by=None, now=START)


def test_learnt_every_is_the_median_gap_ignoring_repeats() -> None:
    day = timedelta(days=1)
    times = [START - n * day for n in range(5)] + [START - 3 * day + timedelta(seconds=5)]
    assert kpi_freshness.learnt_every(times) == day
    assert kpi_freshness.learnt_every([START]) is None
    assert kpi_freshness.learnt_every([]) is None


def test_stale_after_twice_the_expected_interval() -> None:
    day = timedelta(days=1)
    assert kpi_freshness.stale_age(START - 2 * day, day, START) is None
    assert kpi_freshness.stale_age(START - 2 * day - timedelta(minutes=1), day, START) == (
        2 * day + timedelta(minutes=1)
    )
    assert kpi_freshness.stale_age(None, day, START) is None


def test_freshness_learns_from_data_or_uses_every_or_a_day(db: Database) -> None:
    hour, day = timedelta(hours=1), timedelta(days=1)
    with db.session() as session:
        hourly = _kpi(session, "hourly")
        _values(session, hourly, 3 * hour, 4 * hour, 5 * hour, 6 * hour)
        daily = _kpi(session, "daily")
        _values(session, daily, 8 * day)
        weekly = _kpi(session, "weekly")
        weekly.every_seconds = int(timedelta(weeks=1).total_seconds())
        _values(session, weekly, 8 * day)
        empty = _kpi(session, "empty")
        other = _kpi(session, "hourly", team=OTHER_TEAM)
        _values(session, other, 30 * day, 31 * day)
        found = kpi_freshness.freshness_of(
            session, team_id=TEAM, kpis=[hourly, daily, weekly, empty], now=START
        )
    assert found[hourly.id].every == hour and found[hourly.id].learnt
    assert found[hourly.id].age == 3 * hour  # 3h is more than twice 1h: stale
    assert found[daily.id].every == day and found[daily.id].age == 8 * day
    assert found[weekly.id].every == timedelta(weeks=1) and not found[weekly.id].learnt
    assert not found[weekly.id].stale  # 8 days < 2 weeks
    assert found[empty.id].latest_at is None and not found[empty.id].stale
