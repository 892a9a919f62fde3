"""Rotation arithmetic against hand-worked tables, across both DST changes, and a property
test that `on_call_at` and `shifts` always agree."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.rotation import (
    Layer,
    Override,
    RotationError,
    Schedule,
    Shift,
    gaps,
    next_change,
    on_call_at,
    shifts,
)

CHICAGO = ZoneInfo("America/Chicago")
BERLIN = ZoneInfo("Europe/Berlin")
H12 = timedelta(hours=12)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def table(found: list[Shift]) -> list[tuple[datetime, datetime, str | None]]:
    return [(s.starts_at, s.ends_at, s.user_id) for s in found]


def test_twelve_hour_shifts_across_spring_forward_in_chicago() -> None:
    layer = Layer(("A", "B"), H12, time(7), date(2026, 3, 7))
    schedule = Schedule(CHICAGO, (layer,))
    # 7 Mar 07:00 CST = 13:00 UTC; 19:00 CST = 01:00 UTC; 8 Mar 07:00 CDT = 12:00 UTC.
    assert table(shifts(schedule, utc(2026, 3, 7, 13), utc(2026, 3, 9, 0))) == [
        (utc(2026, 3, 7, 13), utc(2026, 3, 8, 1), "A"),
        (utc(2026, 3, 8, 1), utc(2026, 3, 8, 12), "B"),  # the night the clocks go forward: 11h
        (utc(2026, 3, 8, 12), utc(2026, 3, 9, 0), "A"),
    ]


def test_twelve_hour_shifts_across_fall_back_in_chicago() -> None:
    layer = Layer(("A", "B"), H12, time(7), date(2026, 10, 31))
    schedule = Schedule(CHICAGO, (layer,))
    # 31 Oct 07:00 CDT = 12:00 UTC; 19:00 CDT = 00:00 UTC; 1 Nov 07:00 CST = 13:00 UTC.
    assert table(shifts(schedule, utc(2026, 10, 31, 12), utc(2026, 11, 2, 1))) == [
        (utc(2026, 10, 31, 12), utc(2026, 11, 1, 0), "A"),
        (utc(2026, 11, 1, 0), utc(2026, 11, 1, 13), "B"),  # the night the clocks go back: 13h
        (utc(2026, 11, 1, 13), utc(2026, 11, 2, 1), "A"),
    ]


def test_twelve_hour_shifts_across_both_changes_in_berlin() -> None:
    spring = Schedule(BERLIN, (Layer(("A", "B"), H12, time(6), date(2026, 3, 28)),))
    # 28 Mar 18:00 CET = 17:00 UTC; 29 Mar 06:00 CEST = 04:00 UTC.
    assert on_call_at(spring, utc(2026, 3, 28, 17)) == "B"
    assert on_call_at(spring, utc(2026, 3, 29, 3, 59)) == "B"
    assert on_call_at(spring, utc(2026, 3, 29, 4)) == "A"
    night = shifts(spring, utc(2026, 3, 28, 17), utc(2026, 3, 29, 4))
    assert table(night) == [(utc(2026, 3, 28, 17), utc(2026, 3, 29, 4), "B")]

    autumn = Schedule(BERLIN, (Layer(("A", "B"), H12, time(6), date(2026, 10, 24)),))
    # 24 Oct 18:00 CEST = 16:00 UTC; 25 Oct 06:00 CET = 05:00 UTC: 13 hours.
    assert table(shifts(autumn, utc(2026, 10, 24, 16), utc(2026, 10, 25, 5))) == [
        (utc(2026, 10, 24, 16), utc(2026, 10, 25, 5), "B")
    ]
    assert on_call_at(autumn, utc(2026, 10, 25, 5)) == "A"


def test_weekly_rotation() -> None:
    layer = Layer(("A", "B", "C"), timedelta(weeks=1), time(9), date(2026, 11, 30))
    schedule = Schedule(CHICAGO, (layer,))
    assert on_call_at(schedule, utc(2026, 11, 30, 14, 59)) is None  # before the first turn
    assert on_call_at(schedule, utc(2026, 11, 30, 15)) == "A"  # Mon 09:00 CST
    assert on_call_at(schedule, utc(2026, 12, 14, 14, 59)) == "B"
    assert on_call_at(schedule, utc(2026, 12, 14, 15)) == "C"
    assert on_call_at(schedule, utc(2026, 12, 21, 15)) == "A"


def test_day_and_hour_layers_over_a_round_the_clock_layer() -> None:
    base = Layer(("A", "B"), timedelta(days=1), time(8), date(2026, 12, 7))  # Mon 7 Dec
    weekend = Layer(("C",), timedelta(days=1), time(8), date(2026, 12, 7), days=frozenset({5, 6}))
    nights = Layer(
        ("D",), timedelta(days=1), time(8), date(2026, 12, 7),
        days=frozenset(range(5)), hours=(time(19), time(7)),
    )  # fmt: skip
    schedule = Schedule(CHICAGO, (base, weekend, nights))

    def local(day: int, hour: int) -> datetime:
        return datetime(2026, 12, day, hour, tzinfo=CHICAGO)

    assert on_call_at(schedule, local(7, 12)) == "A"  # Monday daytime: the base layer
    assert on_call_at(schedule, local(8, 12)) == "B"
    assert on_call_at(schedule, local(8, 20)) == "D"  # a weekday night
    assert on_call_at(schedule, local(9, 6)) == "D"  # still Tuesday's night
    assert on_call_at(schedule, local(11, 23)) == "D"  # Friday night
    assert on_call_at(schedule, local(12, 6)) == "D"  # Friday's night runs into Saturday
    # Saturday 07:00: the weekend layer's Saturday begins at its handover, 08:00.
    assert on_call_at(schedule, local(12, 7)) == "A"
    assert on_call_at(schedule, local(12, 8)) == "C"  # Saturday: the weekend layer
    assert on_call_at(schedule, local(12, 23)) == "C"  # Saturday night is not a weekday night
    # Monday 06:00 is still the weekend's Sunday: it runs to Monday's handover.
    assert on_call_at(schedule, local(14, 6)) == "C"
    assert on_call_at(schedule, local(14, 8)) == "B"  # then the base layer
    assert on_call_at(schedule, local(14, 20)) == "D"  # Monday night


def test_a_days_restriction_runs_from_handover_to_handover() -> None:
    weekend = Layer(("M",), timedelta(days=1), time(7), date(2026, 12, 7), days=frozenset({5, 6}))
    schedule = Schedule(CHICAGO, (weekend,))
    # Sat 12 Dec 07:00 CST = 13:00 UTC to Mon 14 Dec 07:00 CST, not midnight to midnight.
    assert table(shifts(schedule, utc(2026, 12, 11, 12), utc(2026, 12, 15, 0))) == [
        (utc(2026, 12, 11, 12), utc(2026, 12, 12, 13), None),
        (utc(2026, 12, 12, 13), utc(2026, 12, 14, 13), "M"),
        (utc(2026, 12, 14, 13), utc(2026, 12, 15, 0), None),
    ]
    weekdays = Layer(
        ("A", "B"), timedelta(days=1), time(19), date(2026, 12, 7), days=frozenset(range(5))
    )
    nights = Schedule(CHICAGO, (weekdays,))
    # Friday 19:00 CST (01:00 UTC Sat): Friday's turn, to Saturday 19:00; nobody until
    # Monday's turn begins, Monday 19:00 (01:00 UTC Tue).
    assert table(shifts(nights, utc(2026, 12, 12, 0), utc(2026, 12, 15, 2))) == [
        (utc(2026, 12, 12, 0), utc(2026, 12, 12, 1), "B"),
        (utc(2026, 12, 12, 1), utc(2026, 12, 13, 1), "A"),
        (utc(2026, 12, 13, 1), utc(2026, 12, 15, 1), None),
        (utc(2026, 12, 15, 1), utc(2026, 12, 15, 2), "B"),
    ]


def test_overrides_split_a_shift_and_the_latest_wins() -> None:
    layer = Layer(("A",), timedelta(days=1), time(8), date(2026, 12, 7))
    x = Override("X", utc(2026, 12, 7, 18), utc(2026, 12, 7, 20), order=1)
    y = Override("Y", utc(2026, 12, 7, 19), utc(2026, 12, 7, 21), order=2)
    schedule = Schedule(CHICAGO, (layer,), (x, y))
    assert table(shifts(schedule, utc(2026, 12, 7, 14), utc(2026, 12, 7, 23))) == [
        (utc(2026, 12, 7, 14), utc(2026, 12, 7, 18), "A"),
        (utc(2026, 12, 7, 18), utc(2026, 12, 7, 19), "X"),
        (utc(2026, 12, 7, 19), utc(2026, 12, 7, 21), "Y"),
        (utc(2026, 12, 7, 21), utc(2026, 12, 7, 23), "A"),
    ]


def test_gaps_are_found_and_next_change() -> None:
    office = Layer(
        ("A", "B"), timedelta(days=1), time(8), date(2026, 12, 7),
        days=frozenset(range(5)), hours=(time(8), time(17)),
    )  # fmt: skip
    schedule = Schedule(CHICAGO, (office,))
    found = gaps(schedule, utc(2026, 12, 7, 14), utc(2026, 12, 9, 14))
    # Mon 17:00 CST (23:00 UTC) to Tue 08:00 (14:00 UTC), Tue 17:00 to Wed 08:00.
    assert table(found) == [
        (utc(2026, 12, 7, 23), utc(2026, 12, 8, 14), None),
        (utc(2026, 12, 8, 23), utc(2026, 12, 9, 14), None),
    ]
    change = next_change(schedule, utc(2026, 12, 7, 15), timedelta(days=2))
    assert change == Shift(utc(2026, 12, 7, 23), utc(2026, 12, 8, 14), None)


@pytest.mark.parametrize("every", [timedelta(hours=5), timedelta(hours=36), timedelta(weeks=10)])
def test_hostile_turn_lengths_are_refused(every: timedelta) -> None:
    with pytest.raises(RotationError):
        Layer(("A",), every, time(8), date(2026, 12, 7))


def test_an_override_must_end_after_it_starts() -> None:
    with pytest.raises(RotationError):
        Override("X", utc(2026, 12, 7, 20), utc(2026, 12, 7, 18))


EVERY = st.sampled_from(
    [timedelta(hours=h) for h in (4, 6, 8, 12)]
    + [timedelta(days=1), timedelta(days=2), timedelta(weeks=1)]
)
LAYERS = st.builds(
    Layer,
    members=st.lists(st.sampled_from("ABCD"), min_size=1, max_size=3).map(tuple),
    every=EVERY,
    handover=st.sampled_from([time(0), time(2, 30), time(7), time(19, 15)]),
    start=st.dates(date(2026, 3, 1), date(2026, 11, 5)),
    days=st.frozensets(st.integers(0, 6), min_size=1),
    hours=st.none() | st.sampled_from([(time(8), time(17)), (time(19), time(7))]),
)


@settings(max_examples=60, deadline=None)
@given(
    layers=st.lists(LAYERS, min_size=1, max_size=3),
    tz=st.sampled_from([CHICAGO, BERLIN]),
    start=st.datetimes(datetime(2026, 3, 1), datetime(2026, 11, 10)),
    hours=st.integers(1, 24 * 10),
    probes=st.lists(st.floats(0, 1), min_size=1, max_size=8),
)
def test_on_call_at_and_shifts_agree(layers, tz, start, hours, probes) -> None:  # type: ignore[no-untyped-def]
    schedule = Schedule(tz, tuple(layers))
    begin = start.replace(tzinfo=UTC)
    end = begin + timedelta(hours=hours)
    found = shifts(schedule, begin, end)
    assert found[0].starts_at == begin and found[-1].ends_at == end
    for before, after in pairwise(found):
        assert before.ends_at == after.starts_at and before.user_id != after.user_id
    for shift in found:
        assert on_call_at(schedule, shift.starts_at) == shift.user_id
        assert on_call_at(schedule, shift.ends_at - timedelta(seconds=1)) == shift.user_id
    for fraction in probes:
        instant = begin + (end - begin) * fraction
        if instant >= end:
            continue
        shift = next(s for s in found if s.starts_at <= instant < s.ends_at)
        assert on_call_at(schedule, instant) == shift.user_id
