"""Schedule evaluation: day lists, times, timezones, DST transitions and `not_before`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.schedule import (
    EVERY_DAY,
    WEEKDAYS,
    ScheduleValueError,
    format_days,
    latest_occurrence,
    next_occurrence,
    parse_days,
    parse_time,
    parse_timezone,
)

BERLIN = ZoneInfo("Europe/Berlin")
CHICAGO = ZoneInfo("America/Chicago")
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_day_lists() -> None:
    assert parse_days("mon-fri") == WEEKDAYS == parse_days("weekdays") == parse_days("MON-FRI")
    assert parse_days("daily") == EVERY_DAY == parse_days("mon-sun")
    assert parse_days("mon,wed,fri") == {0, 2, 4}
    assert parse_days("fri-mon") == {4, 5, 6, 0}
    assert format_days(parse_days("mon,wed,fri")) == "mon,wed,fri"
    assert format_days(parse_days("weekdays")) == "mon-fri"
    for bad in ("", "funday", "mon-xyz", ","):
        with pytest.raises(ScheduleValueError, match="is not a day list"):
            parse_days(bad)


def test_times_and_timezones() -> None:
    assert parse_time("7:05") == time(7, 5)
    assert parse_time("23:59") == time(23, 59)
    for bad in ("24:00", "12:60", "7", "noon", "07:5"):
        with pytest.raises(ScheduleValueError, match="is not a time"):
            parse_time(bad)
    assert parse_timezone("America/Chicago").key == "America/Chicago"
    assert parse_timezone(" america/chicago ").key == "America/Chicago"
    assert parse_timezone("utc").key == "UTC"
    for bad in ("Mars/Base", "", "../etc/passwd", "/etc/localtime"):
        with pytest.raises(ScheduleValueError, match="is not a timezone"):
            parse_timezone(bad)


def test_times_are_wall_clock_in_the_schedule_zone() -> None:
    # 07:45 in Chicago (UTC-6 in winter) on Monday 2 March 2026 is 13:45 UTC.
    found = latest_occurrence(
        utc(2026, 3, 2, 14), at=time(7, 45), zone=CHICAGO, days=WEEKDAYS, not_before=LONG_AGO
    )
    assert found is not None and found.at == utc(2026, 3, 2, 13, 45)
    assert found.local_date == date(2026, 3, 2)
    # 07:45 in Tokyo on Monday is 22:45 UTC on Sunday, and its local date is Monday.
    tokyo = next_occurrence(
        utc(2026, 3, 1, 12), at=time(7, 45), zone=ZoneInfo("Asia/Tokyo"), days=WEEKDAYS
    )
    assert tokyo is not None and tokyo.at == utc(2026, 3, 1, 22, 45)
    assert tokyo.local_date == date(2026, 3, 2)


def test_weekday_filtering() -> None:
    # Friday's 09:00 is the latest occurrence all weekend for a mon-fri schedule.
    saturday = utc(2026, 3, 7, 12)
    found = latest_occurrence(
        saturday, at=time(9), zone=ZoneInfo("UTC"), days=WEEKDAYS, not_before=LONG_AGO
    )
    assert found is not None and found.local_date == date(2026, 3, 6)
    upcoming = next_occurrence(saturday, at=time(9), zone=ZoneInfo("UTC"), days=WEEKDAYS)
    assert upcoming is not None and upcoming.local_date == date(2026, 3, 9)
    wednesdays = next_occurrence(saturday, at=time(9), zone=ZoneInfo("UTC"), days=frozenset({2}))
    assert wednesdays is not None and wednesdays.local_date == date(2026, 3, 11)


def test_not_before_hides_occurrences_before_a_change() -> None:
    now = utc(2026, 3, 2, 10)
    args = {"at": time(9), "zone": ZoneInfo("UTC"), "days": EVERY_DAY}
    assert latest_occurrence(now, not_before=utc(2026, 3, 2, 9, 30), **args) is None
    found = latest_occurrence(now, not_before=utc(2026, 3, 2, 8, 59), **args)
    assert found is not None and found.local_date == date(2026, 3, 2)


def test_spring_forward_gap_runs_once_an_hour_later_in_wall_time() -> None:
    # Berlin skips 02:00-03:00 on 29 March 2026; 02:30 happens at 03:30 CEST (01:30 UTC).
    found = next_occurrence(utc(2026, 3, 28, 12), at=time(2, 30), zone=BERLIN, days=EVERY_DAY)
    assert found is not None
    assert found.at == utc(2026, 3, 29, 1, 30)
    assert found.at.astimezone(BERLIN).strftime("%H:%M %Z") == "03:30 CEST"


def test_fall_back_repeated_hour_runs_at_the_first_occurrence() -> None:
    # Berlin has 02:30 twice on 25 October 2026: 00:30 UTC (CEST) and 01:30 UTC (CET).
    found = next_occurrence(utc(2026, 10, 24, 12), at=time(2, 30), zone=BERLIN, days=EVERY_DAY)
    assert found is not None and found.at == utc(2026, 10, 25, 0, 30)
    later = latest_occurrence(
        utc(2026, 10, 25, 1, 45), at=time(2, 30), zone=BERLIN, days=EVERY_DAY, not_before=LONG_AGO
    )
    assert later == found


ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/Chicago",
    "America/New_York",
    "America/Santiago",  # changes at midnight
    "Australia/Lord_Howe",  # half-hour DST shift
    "Asia/Kolkata",
    "Pacific/Chatham",
]
# Days around DST changes in both hemispheres.
STARTS = [
    date(2026, 3, 6),
    date(2026, 3, 26),
    date(2026, 4, 2),
    date(2026, 9, 3),
    date(2026, 10, 1),
    date(2026, 10, 22),
    date(2026, 10, 29),
]


@settings(max_examples=60, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    start=st.sampled_from(STARTS),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45, 59]),
    days=st.sampled_from([EVERY_DAY, WEEKDAYS, frozenset({0, 2, 4}), frozenset({6})]),
)
def test_ticking_through_a_week_posts_once_per_scheduled_local_day(
    zone_name: str, start: date, hour: int, minute: int, days: frozenset[int]
) -> None:
    """A one-minute tick over a week, with a ledger of local dates: every scheduled local day
    gets exactly one post, within a tick of its occurrence, whatever the DST changes."""
    zone = ZoneInfo(zone_name)
    at = time(hour, minute)
    begin = datetime.combine(start, time(0), tzinfo=zone).astimezone(UTC)
    end = begin + timedelta(days=7)
    posted: dict[date, datetime] = {}
    moment = begin
    step = timedelta(minutes=1)
    while moment < end:
        found = latest_occurrence(moment, at=at, zone=zone, days=days, not_before=begin)
        if found is not None and found.local_date not in posted:
            assert moment - found.at < step
            posted[found.local_date] = moment
        moment += step
    expected = {
        start + timedelta(days=n)
        for n in range(8)
        if (start + timedelta(days=n)).weekday() in days
        and datetime.combine(start + timedelta(days=n), at, tzinfo=zone).astimezone(UTC) < end
    }
    assert set(posted) == expected
    for local_date, when in posted.items():
        assert when.astimezone(zone).date() in (local_date, local_date + timedelta(days=1))
