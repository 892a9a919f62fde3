"""`/kpi <name>`'s SPC summary (limits, and per rule and side how often and when last)
agrees with the reference evaluation in bot.services.spc, on both databases."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.db import Database
from bot.services import kpis, spc
from tests.conftest import START, TEAM

names = itertools.count()
series = st.lists(
    st.one_of(st.integers(-20, 20).map(float), st.floats(-1e4, 1e4)), min_size=2, max_size=80
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=series)
def test_detail_rules_and_limits_match_the_reference(db: Database, values: list[float]) -> None:
    start = START - timedelta(hours=len(values))  # every value inside the month
    with db.session() as session:
        kpi = kpis.create_kpi(
            session, team_id=TEAM, name=f"k{next(names)}", target=0, created_by="U", now=START
        )
        points = [(v, start + timedelta(hours=i)) for i, v in enumerate(values)]
        kpis.record_values(
            session, kpi=kpi, points=points, source="csv", recorded_by=None, now=START
        )
        detail = kpis.kpi_detail(session, kpi=kpi, period=kpis.Period(1, "m"), now=START)
    chart = spc.control_chart(values)
    assert chart is not None and detail.limits is not None
    assert detail.limits.centre == pytest.approx(chart.centre, rel=1e-9, abs=1e-9)
    assert detail.limits.sigma == pytest.approx(chart.sigma, rel=1e-9, abs=1e-9)
    expected: dict[tuple[int, bool], list[int]] = {}
    for violation in chart.violations:
        expected.setdefault((violation.rule, violation.above), []).append(violation.index)
    found = {(r.rule, r.above): (r.count, r.last_at) for r in detail.rules}
    assert found == {
        key: (len(indexes), points[indexes[-1]][1]) for key, indexes in sorted(expected.items())
    }
