"""Shared grammar pieces: entity decoding, user and channel references, options."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.formats import format_amount, format_delta, format_target
from bot.numbers import MAX_MAGNITUDE, NumberError, parse_number
from bot.parsing import (
    MomentError,
    decode_entities,
    parse_channel_ref,
    parse_moment,
    parse_user_ref,
    split_options,
    split_words,
)
from bot.periods import Period, PeriodError, PeriodTooLongError, parse_period

BERLIN = ZoneInfo("Europe/Berlin")
CHICAGO = ZoneInfo("America/Chicago")
# Tuesday 1 December 2026, 10:00 UTC (11:00 in Berlin, 04:00 in Chicago).
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def test_all_three_reference_forms_are_accepted() -> None:
    assert parse_user_ref("<@U123|maria>") == "U123"
    assert parse_user_ref("<@U123>") == "U123"
    assert parse_user_ref("U123") == "U123"
    assert parse_user_ref("@maria") is None
    assert parse_channel_ref("<#C42|ops>") == "C42"
    assert parse_channel_ref("<#C42>") == "C42"
    assert parse_channel_ref("#ops") is None


def test_entities_decode_to_what_the_user_typed() -> None:
    assert decode_entities("a &lt;b&gt; &amp;amp; c") == "a <b> &amp; c"


def test_options_and_quoted_phrases() -> None:
    words = split_options(
        'add otd target=95 desc="On-time delivery" Unit=%', {"target", "desc", "unit"}
    )
    assert words.positional == ["add", "otd"]
    assert words.options == {"target": "95", "desc": "On-time delivery", "unit": "%"}
    assert split_words('unbalanced "quote here') == ["unbalanced", '"quote', "here"]


@given(st.text(max_size=200))
def test_splitting_never_crashes(text: str) -> None:
    split_options(text, {"target"})
    parse_user_ref(text)
    parse_channel_ref(text)


# -- numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [
        ("3,5", "h", 3.5),
        ("3.5", "h", 3.5),
        ("+3.5", "", 3.5),
        ("-3,5", "", -3.5),
        ("\u22123", "", -3.0),  # a typographic minus sign
        (",5", "", 0.5),
        (".5", "", 0.5),
        ("97.5%", "%", 97.5),
        ("97,5 %", "%", 97.5),
        ("3.5h", "h", 3.5),
        ("3.5 H", "h", 3.5),
        ("12 orders", "orders", 12.0),
        ("1 order", "orders", 1.0),
        ("150 Lines/h", "lines/h", 150.0),
        ("1,234.5", "", 1234.5),
        ("1.234,5", "", 1234.5),
        ("1 234", "", 1234.0),
        ("1\u00a0234,5", "", 1234.5),
        ("1,234,567", "", 1234567.0),
        ("1.234.567,89", "", 1234567.89),
        ("1.234", "", 1.234),  # a point alone is always the decimal point
        ("0,234", "", 0.234),  # no thousands start with 0
        ("1234,567", "", 1234.567),  # four digits before: not a thousands group
        ("12,3456", "", 12.3456),
        ("1e3", "", 1000.0),
        ("1e12", "", 1e12),
        ("-1e12", "", -1e12),
    ],
)
def test_numbers_are_read_the_way_people_type_them(text: str, unit: str, value: float) -> None:
    assert parse_number(text, unit) == value


@pytest.mark.parametrize(
    ("text", "unit", "message"),
    [
        ("1,234", "", "`1,234` could mean 1234 or 1.234; write 1234 or 1.234."),
        ("-12,500", "", "`-12,500` could mean 12500 or 12.500; write 12500 or 12.500."),
        ("3.5m", "h", "This KPI is measured in h, not `m`: write 3.5 or 3.5 h."),
        ("97.5 pct", "%", "This KPI is measured in %, not `pct`: write 97.5 or 97.5%."),
        ("3.5h", "", "This KPI has no unit, so `h` cannot follow the number: write 3.5."),
        ("nan", "", "`nan` is not a number Opsbot can store; give one like 97.5."),
        ("-inf", "", "`-inf` is not a number Opsbot can store; give one like 97.5."),
        ("2e13", "", "`2e13` is too large: values go up to a trillion (1e12) either way."),
        ("1e400", "", "`1e400` is too large: values go up to a trillion (1e12) either way."),
        ("ninety", "", "`ninety` is not a number; write it like 97.5, 3,5 or 1,234.5."),
        ("1,2,3", "", "`1,2,3` is not a number; write it like 97.5, 3,5 or 1,234.5."),
        ("1.2.3,4.5", "", "`1.2.3,4.5` is not a number; write it like 97.5, 3,5 or 1,234.5."),
        ("3 5", "", "`3 5` is not a number; write it like 97.5, 3,5 or 1,234.5."),
        ("", "", "`` is not a number; write it like 97.5, 3,5 or 1,234.5."),
    ],
)
def test_refused_numbers_say_why_in_one_sentence(text: str, unit: str, message: str) -> None:
    with pytest.raises(NumberError) as refused:
        parse_number(text, unit)
    assert str(refused.value) == message
    assert isinstance(refused.value, ValueError)


UNITS = st.sampled_from(["", "%", "h", "orders", "lines/h"])
VALUES = st.floats(min_value=-MAX_MAGNITUDE, max_value=MAX_MAGNITUDE, allow_nan=False)


@given(VALUES, UNITS)
def test_a_written_number_reads_back(value: float, unit: str) -> None:
    """What Opsbot writes reads back as the value it shows (two decimals), except a number
    with exactly one thousands group, which the refusal says how to write."""
    written = format_amount(value, unit)
    shown = float(written.removesuffix(unit).replace(",", ""))
    # Rounded half up as written (1.125 → 1.13), not as Python's round() does (1.12).
    half_up = Decimal(repr(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert shown == pytest.approx(float(half_up), abs=1e-9)
    try:
        assert parse_number(written, unit) == shown
    except NumberError as refused:
        assert "could mean" in str(refused) and written.count(",") == 1
    assert parse_number(written.replace(",", ""), unit) == shown


@given(st.text(max_size=40), UNITS)
def test_any_text_is_a_number_or_a_friendly_refusal(text: str, unit: str) -> None:
    try:
        value = parse_number(text, unit)
    except NumberError as refused:
        assert str(refused).endswith(".") and "\n" not in str(refused)
    else:
        assert abs(value) <= MAX_MAGNITUDE


def test_numbers_are_written_one_way() -> None:
    assert format_amount(4.1, "%") == "4.1%"
    assert format_amount(51, "orders") == "51 orders"
    assert format_amount(3.5, "h") == "3.5 h"
    assert format_amount(1234.567, "") == "1,234.57"
    assert format_amount(-0.001, "%") == "0%"
    assert format_amount(None, "%") == "—"
    assert format_delta(2, "orders") == "↑ 2 orders"
    assert format_delta(-0.4, "%") == "↓ 0.4%"
    assert format_delta(0.001, "%") == "→ no change"
    assert format_target(95, "higher", "%") == "≥ 95%"
    assert format_target(25, "lower", "orders") == "≤ 25 orders"


# -- times -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("2026-12-01", BERLIN, datetime(2026, 11, 30, 23, 0, tzinfo=UTC)),
        ("2026-12-01 08:00", BERLIN, datetime(2026, 12, 1, 7, 0, tzinfo=UTC)),
        ("2026-12-01T08:00", CHICAGO, datetime(2026, 12, 1, 14, 0, tzinfo=UTC)),
        ("2026-12-01T8:05", CHICAGO, datetime(2026, 12, 1, 14, 5, tzinfo=UTC)),
        ("2026-12-01T12:00Z", CHICAGO, datetime(2026, 12, 1, 12, 0, tzinfo=UTC)),
        ("2026-12-01t12:00z", BERLIN, datetime(2026, 12, 1, 12, 0, tzinfo=UTC)),
        ("2026-12-01 08:00+01:00", CHICAGO, datetime(2026, 12, 1, 7, 0, tzinfo=UTC)),
        ("2026-12-01T08:00-0500", BERLIN, datetime(2026, 12, 1, 13, 0, tzinfo=UTC)),
        ("2026-03-01T08:30:15.5Z", BERLIN, datetime(2026, 3, 1, 8, 30, 15, 500000, tzinfo=UTC)),
        ("today", BERLIN, datetime(2026, 11, 30, 23, 0, tzinfo=UTC)),
        ("Yesterday", BERLIN, datetime(2026, 11, 29, 23, 0, tzinfo=UTC)),
        # 04:00 in Chicago: its today is still 1 December.
        ("today", CHICAGO, datetime(2026, 12, 1, 6, 0, tzinfo=UTC)),
        ("2026-07-01 08:00", BERLIN, datetime(2026, 7, 1, 6, 0, tzinfo=UTC)),  # summer time
    ],
)
def test_times_are_read_in_the_callers_zone_unless_they_say_otherwise(
    text: str, zone: ZoneInfo, expected: datetime
) -> None:
    assert parse_moment(text, zone, NOW) == expected


@pytest.mark.parametrize(
    "text",
    ["2026-02-30", "2026-12-01T25:00", "08:00", "tomorrow", "1 Dec", "2026-12-01T08:00+15:00", ""],
)
def test_times_that_are_not_say_how_to_write_one(text: str) -> None:
    with pytest.raises(MomentError) as refused:
        parse_moment(text, BERLIN, NOW)
    assert str(refused.value) == (
        f"`{text}` is not a time; write 2026-12-01, 2026-12-01 08:00 or 2026-12-01T08:00 "
        "(an offset such as +01:00 or Z may follow), today or yesterday."
    )


def test_a_date_option_takes_the_time_word_after_it() -> None:
    words = split_options("x 3,5 at=2026-12-01 08:00", {"at"})
    assert words.positional == ["x", "3,5"] and words.options == {"at": "2026-12-01 08:00"}
    words = split_options("x at=2026-12-01 12:00Z 3,5", {"at"})
    assert words.positional == ["x", "3,5"] and words.options == {"at": "2026-12-01 12:00Z"}
    words = split_options("x at=2026-12-01 5", {"at"})
    assert words.positional == ["x", "5"] and words.options == {"at": "2026-12-01"}
    words = split_options("x at=today 08:00", {"at"})
    assert words.positional == ["x", "08:00"]


# -- periods -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "period", "days"),
    [
        ("7d", Period(7, "d"), 7),
        ("30D", Period(30, "d"), 30),
        ("2w", Period(2, "w"), 14),
        ("12w", Period(12, "w"), 84),
        ("6m", Period(6, "m"), 180),
        ("1y", Period(1, "y"), 365),
        ("366d", Period(366, "d"), 366),
        ("30 days", Period(30, "d"), 30),
        ("2 weeks", Period(2, "w"), 14),
        ("1 week", Period(1, "w"), 7),
        ("6 months", Period(6, "m"), 180),
        ("1 year", Period(1, "y"), 365),
        ("today", Period(1, "d"), 1),
        ("week", Period(1, "w"), 7),
        ("Month", Period(1, "m"), 30),
    ],
)
def test_one_period_grammar(text: str, period: Period, days: int) -> None:
    assert parse_period(text) == period
    assert period.days == days
    assert parse_period(period.code) == period


def test_months_and_years_follow_the_calendar() -> None:
    end = datetime(2026, 8, 31, 12, 0, 30, tzinfo=UTC)
    assert Period(6, "m").start(end) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert Period(1, "y").start(end) == datetime(2025, 8, 31, 12, tzinfo=UTC)
    assert Period(1, "y").label == "year" and Period(30, "d").label == "30 days"


@pytest.mark.parametrize("text", ["0d", "30", "d30", "90m5", "fortnight"])
def test_unreadable_periods_are_refused_with_the_examples(text: str) -> None:
    with pytest.raises(PeriodError) as refused:
        parse_period(text)
    assert str(refused.value) == (
        f"`{text}` is not a period; use 7d, 30d, 2w, 6m, 1y, 30 days, today, week or month "
        "(up to a year; m is months)."
    )


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("367d", ""),
        ("53w", ""),
        ("2y", ""),
        ("13m", " (13 months: in a period m is months)"),
        ("90m", " (90 months: in a period m is months)"),
    ],
)
def test_periods_beyond_a_year_are_refused_with_the_limit(text: str, meant: str) -> None:
    with pytest.raises(PeriodTooLongError) as refused:
        parse_period(text)
    assert str(refused.value) == (
        f"`{text}`{meant} is too long: a period is at most a year; use 7d, 30d, 2w, 6m, 1y, "
        "30 days, today, week or month."
    )


def test_a_shorter_limit_is_stated_with_the_examples_that_fit() -> None:
    with pytest.raises(PeriodError) as refused:
        parse_period("6m", longest_days=90)
    assert str(refused.value) == (
        "`6m` (6 months: in a period m is months) is too long: a period is at most 90 days; "
        "use 7d, 30d, 2w, 30 days, today, week or month."
    )
