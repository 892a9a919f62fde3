"""The /kpi grammar of corrections and cadence: edit, values, undo, every=, and the typo of a
subcommand that gets a suggestion instead of a KPI lookup."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import UsageError
from bot.grammar.kpi import (
    ADD_USAGE,
    EDIT_USAGE,
    UNDO_USAGE,
    USAGE,
    Detail,
    Edit,
    EditUsage,
    Undo,
    Values,
    parse_kpi_command,
)
from bot.numbers import Quantity
from bot.services.kpis import DEFAULT_PERIOD, Period


def test_corrections_parse_to_typed_commands() -> None:
    assert parse_kpi_command("undo trailer-turn-time") == Undo("trailer-turn-time")
    assert parse_kpi_command("VALUES pick-rate") == Values("pick-rate", DEFAULT_PERIOD)
    assert parse_kpi_command("values pick-rate 2 weeks") == Values("pick-rate", Period(2, "w"))
    assert parse_kpi_command("edit pick-rate") == EditUsage("pick-rate")
    edit = parse_kpi_command(
        'edit pick-rate target=97% warn=none better=LOWER unit=% desc="Lines" every=4h '
        "name=picks owner=<@UMARIA>"
    )
    assert edit == Edit(
        "pick-rate",
        {
            "name": "picks",
            "target": Quantity(97.0, "%"),
            "warn": None,
            "better": "lower",
            "unit": "%",
            "description": "Lines",
            "every": timedelta(hours=4),
            "owner_id": "UMARIA",
        },
    )
    assert isinstance(edit, Edit)
    assert edit.edits(unit="lines/h")["target"] == 97.0  # the new unit is `%`
    auto = parse_kpi_command("edit pick-rate every=auto owner=none")
    assert auto == Edit("pick-rate", {"every": None, "owner_id": None})
    added = parse_kpi_command("add backorders target=25 every=1d")
    assert getattr(added, "every", None) == timedelta(days=1)
    # A KPI called like a period still reads as a lookup.
    assert parse_kpi_command("pick-rate 30 days") == Detail("pick-rate", Period(30, "d"))


@pytest.mark.parametrize(
    ("text", "message", "usage"),
    [
        ("recrod pick-rate 5", "Did you mean `/kpi record pick-rate 5`?", USAGE),
        ("valeus pick-rate", "Did you mean `/kpi values pick-rate`?", USAGE),
        ("undo", "Which KPI?", UNDO_USAGE),
        ("undo pick-rate 5", "undo takes back your own last value", UNDO_USAGE),
        ("edit pick-rate target=lots", "is not a number", EDIT_USAGE),
        ("edit pick-rate owner=maria", "owner must be a @mention", EDIT_USAGE),
        ("edit pick-rate name=undo", "is a /kpi command word", EDIT_USAGE),
        ("edit pick-rate every=0m", "every must be how often", EDIT_USAGE),
        ("edit pick-rate every=400d", "between 1 minute and 365 days", EDIT_USAGE),
        ("add pick-rate target=5 every=sometimes", "every must be how often", ADD_USAGE),
    ],
)
def test_mistakes_get_one_line_and_the_usage(text: str, message: str, usage: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_kpi_command(text)
    assert message in raised.value.message
    assert raised.value.usage == usage


def test_a_target_with_another_unit_is_refused_when_applied() -> None:
    edit = parse_kpi_command("edit pick-rate target=3.5h")
    assert isinstance(edit, Edit)
    with pytest.raises(UsageError, match="measured in %"):
        edit.edits(unit="%")
