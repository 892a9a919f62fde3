"""One way of writing a date everywhere: `Mon 7 Dec`, and `Monday 7 December 2026` in
headings, through the filters in bot/blocks.py; no template formats a date by itself."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from bot.blocks import TEMPLATES_DIR, _environment, day, long_day


def test_day_is_short_and_unpadded() -> None:
    assert day(date(2026, 12, 7)) == "Mon 7 Dec"
    assert day(date(2026, 3, 2)) == "Mon 2 Mar"
    assert day(date(2026, 10, 31)) == "Sat 31 Oct"
    assert day(None) == "—"


def test_long_day_is_for_headings() -> None:
    assert long_day(date(2026, 12, 7)) == "Monday 7 December 2026"
    assert long_day(date(2026, 3, 2)) == "Monday 2 March 2026"
    assert long_day(None) == "—"


def test_a_datetime_is_shown_as_the_date_it_is_in_its_own_zone() -> None:
    assert day(datetime(2026, 12, 7, 23, 30, tzinfo=UTC)) == "Mon 7 Dec"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ d|day }}", "Mon 7 Dec"),
        ("{{ d|long_day }}", "Monday 7 December 2026"),
        ("{{ t|clock }}", "07:45"),
        (
            "{{ moment|slack_time }}",
            "<!date^1796650200^{date_short_pretty} at {time}|Mon 7 Dec 13:30 UTC>",
        ),
    ],
)
def test_templates_use_the_same_filters(source: str, expected: str) -> None:
    rendered = (
        _environment()
        .from_string(source)
        .render(
            d=date(2026, 12, 7), t=time(7, 45), moment=datetime(2026, 12, 7, 13, 30, tzinfo=UTC)
        )
    )
    # Filters give trusted text (slack_time) or plain words: nothing here needs escaping.
    assert rendered == expected


TEMPLATES = sorted(TEMPLATES_DIR.rglob("*.j2"))


def test_there_are_templates_to_check() -> None:
    assert len(TEMPLATES) > 30


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES_DIR)))
def test_no_template_formats_a_date_or_time_itself(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert "strftime" not in source
    assert "local_time" not in source
    # A Slack date is built only by the `slack_time` filter, never written out by hand.
    assert "<!date" not in source
    assert not re.search(r"%[aAbBdHMYZ]", source), "a strftime pattern"
