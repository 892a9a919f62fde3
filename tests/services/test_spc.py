"""XmR limits and each Western Electric rule on hand-made series."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from bot.services.spc import control_chart

BASE = [10.0, 11.0] * 10  # in control: alternates around 10.5, moving range 1


def found(values: list[float]) -> list[tuple[int, bool, int]]:
    chart = control_chart(values)
    assert chart is not None
    return [(v.rule, v.above, v.index) for v in chart.violations]


def test_limits_are_mean_and_mean_moving_range_over_1_128() -> None:
    chart = control_chart([1, 2, 3, 4, 5])
    assert chart is not None
    assert chart.centre == 3
    assert math.isclose(chart.sigma, 1 / 1.128)
    assert math.isclose(chart.upper, 3 + 3 / 1.128)
    assert math.isclose(chart.lower, 3 - 3 / 1.128)


def test_fewer_than_two_values_have_no_chart() -> None:
    assert control_chart([]) is None
    assert control_chart([4.2]) is None


def test_a_steady_process_breaks_no_rule() -> None:
    assert found(BASE) == []
    assert found([5.0] * 12) == []


def test_rule_1_one_point_beyond_a_control_limit() -> None:
    assert found([*BASE, 16]) == [(1, True, 20)]
    chart = control_chart([*BASE, 16])
    assert chart is not None
    assert chart.violations[0].description == "1 point beyond the upper control limit"
    assert found([*BASE, 5])[0] == (1, False, 20)


def test_rule_2_two_of_three_beyond_two_sigma() -> None:
    assert found([*BASE, 8, 10.5, 8]) == [(2, False, 22)]
    chart = control_chart([*BASE, 8, 10.5, 8])
    assert chart is not None
    assert chart.violations[0].description == (
        "2 of 3 points in a row more than 2 sigma below the centre line"
    )


def test_rule_3_four_of_five_beyond_one_sigma() -> None:
    assert found([*BASE, 11.9, 11.9, 10.5, 11.9, 11.9]) == [(3, True, 24)]
    assert found([*BASE, 11.9, 10.5, 10.5, 11.9, 11.9]) == []


def test_rule_4_eight_in_a_row_on_one_side() -> None:
    series = [10.0, 11.0] * 6 + [10.4] * 7 + [10.0, 11.0] * 6
    chart = control_chart(series)
    assert chart is not None
    assert [(v.rule, v.above, v.index) for v in chart.violations] == [(4, False, 19)]
    assert chart.violations[0].description == "8 points in a row below the centre line"
    assert chart.rules_at(19) == list(chart.violations)
    seven = [10.0, 11.0] * 6 + [10.4] * 6 + [11.0] + [10.0, 11.0] * 6
    assert found(seven) == []


@given(st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=2, max_size=60))
def test_limits_are_symmetric_and_violations_point_inside_the_series(values: list[float]) -> None:
    chart = control_chart(values)
    assert chart is not None
    assert chart.sigma >= 0
    assert math.isclose(chart.upper - chart.centre, chart.centre - chart.lower, abs_tol=1e-6)
    assert all(0 <= v.index < len(values) and 1 <= v.rule <= 4 for v in chart.violations)
