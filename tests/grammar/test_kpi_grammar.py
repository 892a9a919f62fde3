"""The /kpi grammar: typed commands, or a usage error with the right usage line."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UsageError
from bot.grammar.kpi import (
    ADD_USAGE,
    RECORD_USAGE,
    Add,
    AddModal,
    ConfigChannel,
    Detail,
    Help,
    Record,
    Remove,
    Restore,
    Scoreboard,
    ShowConfig,
    parse_kpi_command,
)
from bot.parsing import Moment
from bot.services.kpis import DEFAULT_PERIOD, Period


def test_every_form() -> None:
    assert parse_kpi_command("") == Scoreboard()
    assert parse_kpi_command("Help") == Help()
    assert parse_kpi_command("on-time") == Detail("on-time", DEFAULT_PERIOD)
    assert parse_kpi_command("on-time 12W") == Detail("on-time", Period(12, "w"))
    assert parse_kpi_command("add") == AddModal()
    assert parse_kpi_command(
        'ADD dock-to-stock target=4 unit=h better=LOWER warn=6 desc="Dock to stock" owner=<@UMARIA>'
    ) == Add("dock-to-stock", 4.0, "lower", 6.0, "h", "Dock to stock", "UMARIA")
    assert parse_kpi_command("record on-time 97.5%") == Record("on-time", 97.5, None, "%")
    assert parse_kpi_command("record on-time -3 at=2026-03-01T08:30") == Record(
        "on-time", -3.0, Moment("2026-03-01T08:30", datetime(2026, 3, 1, 8, 30))
    )
    assert parse_kpi_command("remove on-time") == Remove("on-time")
    assert parse_kpi_command("restore on-time") == Restore("on-time")
    assert parse_kpi_command("config") == ShowConfig()
    assert parse_kpi_command("config channel <#C0KPI|ops-kpis>") == ConfigChannel("C0KPI")


@pytest.mark.parametrize(
    ("text", "message", "usage"),
    [
        ("record on-time", "What value for on-time?", RECORD_USAGE),
        ("record on-time nan", "is not a number Opsbot can store", RECORD_USAGE),
        ("record on-time inf", "is not a number Opsbot can store", RECORD_USAGE),
        ("record on-time 1e13", "too large", RECORD_USAGE),
        ("record on-time 5 at=2026-02-30", "`2026-02-30` is not a time", RECORD_USAGE),
        ("record on-time 1,234", "`1,234` could mean 1234 or 1.234", RECORD_USAGE),
        ("add pick-rate", "needs a target", ADD_USAGE),
        ("add pick-rate target=10 better=sideways", "better must be higher or lower", ADD_USAGE),
        ("add pick-rate target=10 warn=12", "Warn must be below the target", ADD_USAGE),
        ("add record target=10", "is a /kpi command word", ADD_USAGE),
        ("add pick-rate target=10 owner=maria", "owner must be a @mention", ADD_USAGE),
        ("config channel ops", "is not a channel", "/kpi config channel #channel"),
    ],
)
def test_bad_input_names_the_problem_and_the_usage(text: str, message: str, usage: str) -> None:
    with pytest.raises(UsageError) as error:
        parse_kpi_command(text)
    assert message in error.value.message
    assert error.value.usage == usage


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_any_sane_number_records_exactly(value: float) -> None:
    parsed = parse_kpi_command(f"record on-time {value!r}")
    assert parsed == Record("on-time", value, None)


@given(st.text(max_size=60))
def test_any_text_parses_or_gets_a_usage_error(text: str) -> None:
    try:
        parse_kpi_command(text)
    except UsageError as error:
        assert error.usage.startswith("/kpi")
