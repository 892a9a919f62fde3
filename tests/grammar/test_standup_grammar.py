"""The /standup grammar: typed commands, or a usage error with the right usage line."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UsageError
from bot.grammar.standup import (
    CONFIG_USAGE,
    USAGE,
    USAGES,
    AddPeople,
    Answer,
    CancelOutOfOffice,
    Configure,
    Help,
    History,
    Join,
    Leave,
    OutOfOffice,
    RemovePeople,
    Report,
    ShowConfig,
    parse,
)
from bot.services.schedule import EVERY_DAY, WEEKDAYS

LEADS = "<#C0LEADS|shift-leads>"
NIGHT = "<#C0NIGHT>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Answer(None)),
        (LEADS, Answer("C0LEADS")),
        ("help", Help()),
        ("HELP me please", Help()),
        ("config", ShowConfig()),
        (
            f"config {LEADS} time=08:30",
            Configure("C0LEADS", time(8, 30), None, None, None, None),
        ),
        (
            f"Config {LEADS} time=8:30 report=10:00 days=daily tz=america/chicago",
            Configure("C0LEADS", time(8, 30), time(10), EVERY_DAY, "America/Chicago", None),
        ),
        (
            f'config {NIGHT} days=mon-fri questions="Shipped?|Blocked by?"',
            Configure("C0NIGHT", None, None, WEEKDAYS, None, ("Shipped?", "Blocked by?")),
        ),
        (
            f"config {NIGHT} 'questions=Done? | Next? |'",
            Configure("C0NIGHT", None, None, None, None, ("Done?", "Next?")),
        ),
        (f"time=09:00 config {LEADS}", Configure("C0LEADS", time(9), None, None, None, None)),
        ("join", Join(None)),
        (f"JOIN {LEADS}", Join("C0LEADS")),
        (f"leave {NIGHT}", Leave("C0NIGHT")),
        ("add <@UMARIA> <@UJOE|joe>", AddPeople(("UMARIA", "UJOE"), None)),
        (f"add <@UMARIA> {LEADS} <@UMARIA>", AddPeople(("UMARIA",), "C0LEADS")),
        ("remove UJOE", RemovePeople(("UJOE",), None)),
        ("ooo 2026-03-09", OutOfOffice(date(2026, 3, 9), date(2026, 3, 9))),
        ("ooo 2026-03-09 2026-03-13", OutOfOffice(date(2026, 3, 9), date(2026, 3, 13))),
        ("ooo cancel", CancelOutOfOffice()),
        ("OOO Off", CancelOutOfOffice()),
        ("ooo clear", CancelOutOfOffice()),
        ("report", Report(None, None)),
        (f"report 2026-03-02 {LEADS}", Report(date(2026, 3, 2), "C0LEADS")),
        (f"report {LEADS} 2026-03-02", Report(date(2026, 3, 2), "C0LEADS")),
        ("report Yesterday", Report(None, None, 1)),
        (f"report today {LEADS}", Report(None, "C0LEADS", 0)),
        ("history", History(None, 7)),
        ("history <@UMARIA> 30D", History("UMARIA", 30)),
        ("history 1d", History(None, 1)),
        ("history 90d <@UJOE|joe>", History("UJOE", 90)),
    ],
)
def test_every_form(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message", "usage"),
    [
        ("dance", "`/standup dance` is not a /standup command.", USAGE),
        ("Dance now", "`/standup dance` is not a /standup command.", USAGE),
        ('"join the" standup', "`/standup join the` is not a /standup command.", USAGE),
        (f"{LEADS} {NIGHT}", "Name one standup channel at a time.", USAGE),
        (f"{LEADS} now", "`now` is not understood here.", USAGE),
        ("time=08:30", "Options like time= only go with `/standup config`.", CONFIG_USAGE),
        ("join days=daily", "Options like time= only go with `/standup config`.", CONFIG_USAGE),
        (f"config {LEADS} {NIGHT}", "Name one standup channel at a time.", CONFIG_USAGE),
        (f"config {LEADS} please", "`please` is not understood here.", CONFIG_USAGE),
        ("config time=08:30", "Name the standup's channel.", CONFIG_USAGE),
        (f"config {LEADS} time=25:00", "`25:00` is not a time", CONFIG_USAGE),
        (f"config {LEADS} report=noon", "`noon` is not a time", CONFIG_USAGE),
        (f"config {LEADS} days=someday", "`someday` is not a day list", CONFIG_USAGE),
        (f"config {LEADS} tz=Mars/Base", "`Mars/Base` is not a timezone", CONFIG_USAGE),
        (f'config {LEADS} questions="|||"', "Give 1 to 6 questions separated by |.", CONFIG_USAGE),
        (f"config {LEADS} questions=a|b|c|d|e|f|g", "Give 1 to 6 questions", CONFIG_USAGE),
        (f"config {LEADS} questions={'x' * 151}", "Keep each question under 150", CONFIG_USAGE),
        (f"join {LEADS} {NIGHT}", "Name one standup channel at a time.", USAGES["join"]),
        ("join me", "`me` is not understood here.", USAGES["join"]),
        ('leave "the night shift"', "`the night shift` is not understood here.", USAGES["leave"]),
        ("add", "Name the people with @mentions.", USAGES["add"]),
        (f"add {LEADS}", "Name the people with @mentions.", USAGES["add"]),
        ("add <@UMARIA> joe", "Name the people with @mentions.", USAGES["add"]),
        ("remove @joe", "Name the people with @mentions.", USAGES["remove"]),
        ("ooo", "Give the first and last day you are out.", USAGES["ooo"]),
        ("ooo 2026-03-09 to 2026-03-13", "Give the first and last day", USAGES["ooo"]),
        ("ooo next-week", "`next-week` is not a date; use YYYY-MM-DD", USAGES["ooo"]),
        ("ooo 2026-02-30", "`2026-02-30` is not a date", USAGES["ooo"]),
        ("ooo 2026-03-13 2026-03-09", "The last day comes before the first.", USAGES["ooo"]),
        (
            "ooo 2026-01-01 2027-01-02",
            "An out-of-office period can last a year at most.",
            USAGES["ooo"],
        ),
        ("report tomorrow", "`tomorrow` is not a date", USAGES["report"]),
        (
            "report 2026-03-02 2026-03-03",
            "`2026-03-02 2026-03-03` is not understood",
            USAGES["report"],
        ),
        (f"report {LEADS} {NIGHT}", "Name one standup channel at a time.", USAGES["report"]),
        ("history 0d", "`0d` is not a person or a period; use 7d, 30d", USAGES["history"]),
        (
            "history 91d",
            "`91d` is too long: standup history goes back at most 90 days",
            USAGES["history"],
        ),
        ("history @maria", "`@maria` is not a person or a period", USAGES["history"]),
    ],
)
def test_bad_input_names_the_problem_and_the_usage(text: str, message: str, usage: str) -> None:
    with pytest.raises(UsageError) as error:
        parse(text)
    assert error.value.message.startswith(message)
    assert error.value.usage == usage


def test_a_year_out_of_office_is_the_longest() -> None:
    assert parse("ooo 2026-01-01 2027-01-01") == OutOfOffice(date(2026, 1, 1), date(2027, 1, 1))


@given(st.text(max_size=60))
def test_any_text_parses_or_gets_a_usage_error(text: str) -> None:
    try:
        parse(text)
    except UsageError as error:
        assert error.usage.startswith("/standup")
