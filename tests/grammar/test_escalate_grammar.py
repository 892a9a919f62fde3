"""The /escalate grammar: severity words open at once, a first word close to a severity or
a subcommand opens nothing and asks, anything else is a summary."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UsageError
from bot.grammar.escalate import (
    SEVERITY_WORDS,
    Acknowledge,
    Assign,
    Cancel,
    ChangeSeverity,
    ConfigChain,
    ConfigDuration,
    DidYouMean,
    ListEscalations,
    OpenNow,
    Resolve,
    Stats,
    parse,
)


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
        ("list mine", ListEscalations("mine")),
        ("list", ListEscalations("open")),
        ("assign ESC-62 <@UMARIA>", Assign(62, "UMARIA")),
        ("severity ESC-65 sev1", ChangeSeverity(65, "sev1")),
        ("severity esc-65 P2", ChangeSeverity(65, "sev2")),
        ("cancel ESC-65 duplicate=ESC-64", Cancel(65, "", 64)),
        ("cancel 65 opened twice duplicate=#64", Cancel(65, "opened twice", 64)),
        ("ack ESC-3 on my way", Acknowledge(3, "on my way")),
        ("resolve ESC-3 cause=Equipment Tyre replaced", Resolve(3, "Tyre replaced", "Equipment")),
        ("resolve ESC-3", Resolve(3, "", None)),
        ("stats", Stats(30)),
        ("stats 1y", Stats(365)),
        ("stats 12w", Stats(84)),
        ("stats today", Stats(1)),
        ("config oncall sev1 <@UJOE> <@UMARIA|maria>", ConfigChain("sev1", ("UJOE", "UMARIA"))),
        ("config oncall off", ConfigChain(None, ())),
        ("config sla sev1 1h30m", ConfigDuration("sla", "sev1", 90)),
        ("config resolve p2 1d", ConfigDuration("resolve", "sev2", 1440)),
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
    assert result is not None
    if isinstance(result, OpenNow) and result.severity is not None:
        first = text.strip().split(" ", 1)[0].lower().rstrip(":,.;")
        assert first in SEVERITY_WORDS


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("show", "Say which escalation, e.g. ESC-12."),
        ("show ESC-1 please", "`show` takes only an escalation id."),
        ("ack twelve", "`twelve` is not an escalation id"),
        ("assign ESC-1 maria", "Name the new owner as @user."),
        ("severity ESC-1 sev9", "Give the new severity, e.g. sev1."),
        ("stats 2y", "is too long: a period is at most a year; use 7d, 30d, 2w, 6m, 1y"),
        ("list everything", "is not a list; use open, mine or all"),
        ("config oncall <@UJOE|joe> <@UJOE|joe>", "@joe is in the chain twice"),
        ("config oncall @nobody", "`@nobody` is not a person I can page"),
        ("config sla sev1 soon", "Give a severity and a duration"),
        ("config colour blue", "`colour` is not an escalation setting."),
    ],
)
def test_bad_commands_say_why_with_the_usage(text: str, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse(text)
    assert message in raised.value.message
    assert raised.value.usage
