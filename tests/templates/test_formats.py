"""One way of writing a KPI's numbers and a duration in every template: the `amount`, `delta`,
`target` and `duration` filters (bot/blocks.py, calling bot/formats.py), never by hand."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.blocks import TEMPLATES_DIR, _environment
from bot.durations import format_duration
from bot.formats import format_amount, format_delta, format_number, format_target


def _render(source: str, **context: object) -> str:
    return _environment().from_string(source).render(**context)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ 4.1|amount('%') }}", "4.1%"),
        ("{{ 51|amount('orders') }}", "51 orders"),
        ("{{ 3.5|amount('h') }}", "3.5 h"),
        ("{{ 12345.678|amount('') }}", "12,345.68"),
        ("{{ 33.333|amount('%', 1) }}", "33.3%"),
        ("{{ none|amount('%') }}", "—"),
        ("{{ 2|delta('orders') }}", "↑ 2 orders"),
        ("{{ -0.4|delta('%') }}", "↓ 0.4%"),
        ("{{ 0|delta('h') }}", "→ no change"),
        ("{{ 95|target('higher', '%') }}", "≥ 95%"),
        ("{{ 25|target('lower', 'orders') }}", "≤ 25 orders"),
        ("{{ 1234|number }}", "1,234"),
    ],
)
def test_filters_write_numbers_with_units_one_way(source: str, expected: str) -> None:
    assert _render(source) == expected


def test_the_filters_are_the_functions_python_calls() -> None:
    filters = _environment().filters
    assert filters["amount"] is format_amount
    assert filters["delta"] is format_delta
    assert filters["target"] is format_target
    assert filters["number"] is format_number
    assert filters["duration"] is format_duration


def test_the_kpi_partials_use_the_filters() -> None:
    amount = "{% include 'partials/kpi_amount.j2' %}"
    target = "{% include 'partials/kpi_target.j2' %}"
    trend = "{% include 'partials/kpi_trend.j2' %}"
    assert _render(amount, amount=97.5, unit="%") == "97.5%"
    assert _render(target, target=25, better="lower", unit="orders") == "≤ 25 orders"
    up = {"change": 2.0, "direction": "up", "improving": False}
    assert _render(trend, trend=up, unit="orders") == "↑ 2 orders (worse)"


TEMPLATES = sorted(TEMPLATES_DIR.rglob("*.j2"))
# A number printed and then a percent sign, or the minutes or hours of a duration, written
# after it (seconds, as in a statement timeout, are below what `duration` shows).
_UNIT_AFTER_NUMBER = re.compile(r"\}\}\s?(%|‰|h\b|m\b|min\b|mins\b|minutes?\b|hours?\b)")
# A KPI's unit printed by itself (a unit named as such, in `code`, is fine).
_UNIT_PRINTED = re.compile(r"(?<!`)\{\{\s*[\w.]*\bunit\s*(\|[^}]*)?\}\}(?!`)")


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES_DIR)))
def test_no_template_writes_a_unit_a_direction_or_a_duration_itself(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert not _UNIT_AFTER_NUMBER.search(source), "a unit written after a number"
    assert not _UNIT_PRINTED.search(source), "a KPI's unit written by hand: use amount(unit)"
    for sign in "↑↓≥≤":
        assert sign not in source, f"{sign} by hand: use the delta or target filter"


def test_the_checks_catch_what_they_are_for() -> None:
    assert _UNIT_AFTER_NUMBER.search("({{ s.percent }} %)")
    assert _UNIT_AFTER_NUMBER.search("ack within {{ sla.sev1 }}m")
    assert _UNIT_PRINTED.search("{{ line.value|number }} {{ line.unit|truncate_text(12) }}")
    assert not _UNIT_PRINTED.search("unit `{{ kpi.unit }}`")
    assert not _UNIT_AFTER_NUMBER.search("{{ days }} days")


def test_a_duration_is_written_by_its_filter() -> None:
    assert _render("{{ d|duration }}", d=timedelta(hours=4)) == "4h"


def test_numbers_round_half_up_as_written_not_as_stored_in_binary() -> None:
    from bot.formats import format_amount, format_number

    assert format_amount(0.975, "%") == "0.98%"  # 0.975 is 0.97499… in binary
    assert format_number(2.675) == "2.68"
    assert format_number(-0.004) == "0"
    assert format_number(float("inf")) == "inf"
