"""The /escalate grammar: severity words open at once, a first word close to a severity or
a subcommand opens nothing and asks, anything else is a summary."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UsageError
from bot.grammar.escalate import SEVERITY_WORDS, DidYouMean, OpenNow, Subcommand, parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sev1: Fire alarm", OpenNow("sev1", "Fire alarm")),
        ("SEV2 Dock door 4 stuck", OpenNow("sev2", "Dock door 4 stuck")),
        ("p1 Conveyor 2 down", OpenNow("sev1", "Conveyor 2 down")),
        ("P4, label printer jam", OpenNow("sev4", "label printer jam")),
        ("critical: ammonia alarm", OpenNow("sev1", "ammonia alarm")),
        ("high Freezer 2 door alarm", OpenNow("sev2", "Freezer 2 door alarm")),
        ("medium pallet wrap low", OpenNow("sev3", "pallet wrap low")),
        ("Dock door 4 stuck open", OpenNow(None, "Dock door 4 stuck open")),
        ("Forklift 3 hydraulic leak", OpenNow(None, "Forklift 3 hydraulic leak")),
        ("list mine", Subcommand("list", "mine")),
        ("assign ESC-62 <@UMARIA>", Subcommand("assign", "ESC-62 <@UMARIA>")),
        ("severity ESC-65 sev1", Subcommand("severity", "ESC-65 sev1")),
        ("cancel ESC-65 duplicate=ESC-64", Subcommand("cancel", "ESC-65 duplicate=ESC-64")),
    ],
)
def test_what_opens_and_what_is_a_command(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "suggestion", "severity", "summary"),
    [
        ("asign ESC-62 <@UMARIA>", "/escalate assign", None, ""),
        ("lsit", "/escalate list", None, ""),
        ("reslove ESC-3 fixed", "/escalate resolve", None, ""),
        ("upgrade ESC-65 sev1", "/escalate severity", None, ""),
        ("close ESC-3", "/escalate resolve", None, ""),
        ("sev5 Freezer 2 door alarm", "sev4", "sev4", "Freezer 2 door alarm"),
        ("sev0 Fire", "sev1", "sev1", "Fire"),
        ("sev 2 Dock door 4 stuck", "sev2", "sev2", "Dock door 4 stuck"),
        ("p 1 Conveyor down", "sev1", "sev1", "Conveyor down"),
        ("critcal ammonia alarm", "critical", "sev1", "ammonia alarm"),
    ],
)
def test_a_near_miss_opens_nothing_and_asks(
    text: str, suggestion: str, severity: str | None, summary: str
) -> None:
    result = parse(text)
    assert isinstance(result, DidYouMean)
    assert result.suggestion == suggestion
    assert result.severity == severity
    assert result.summary == summary
    assert result.text == text


def test_a_severity_alone_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as raised:
        parse("sev1:")
    assert "Say what is wrong after sev1." in raised.value.message


@given(st.text(min_size=1, max_size=200).filter(lambda t: t.strip()))
def test_no_input_crashes_and_only_a_severity_word_sets_the_severity(text: str) -> None:
    try:
        result = parse(text)
    except UsageError:
        return
    assert isinstance(result, OpenNow | Subcommand | DidYouMean)
    if isinstance(result, OpenNow) and result.severity is not None:
        first = text.strip().split(" ", 1)[0].lower().rstrip(":,.;")
        assert first in SEVERITY_WORDS
