"""The /huddle grammar: typed commands, or a usage error with the right usage line."""

from __future__ import annotations

from datetime import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UsageError
from bot.grammar.huddle import (
    CONFIG_USAGE,
    OFF_USAGE,
    USAGE,
    Config,
    Help,
    Now,
    Off,
    Preview,
    Status,
    parse,
    parse_config,
)
from bot.services.schedule import EVERY_DAY, WEEKDAYS

OPS = "<#C0OPS|ops-huddle>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("help", Help()),
        ("HELP", Help()),
        ("help me", Help()),
        ("preview", Preview()),
        ("Now", Now()),
        ("status", Status()),
        (f"config {OPS} time=07:45", Config("C0OPS", time(7, 45), None, None)),
        (
            f"CONFIG {OPS} TIME=7:45 tz=europe/berlin days=mon-fri",
            Config("C0OPS", time(7, 45), "Europe/Berlin", WEEKDAYS),
        ),
        ("config <#C0OPS> days=daily", Config("C0OPS", None, None, EVERY_DAY)),
        ("config time=09:00 C0OPS", Config("C0OPS", time(9), None, None)),
        (f"off {OPS}", Off("C0OPS")),
        ("off <#C0OPS>", Off("C0OPS")),
    ],
)
def test_every_form(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message", "usage"),
    [
        ("later", "`/huddle later` is not a huddle command.", USAGE),
        ("PREVIEWS", "`/huddle previews` is not a huddle command.", USAGE),
        ("now please", "`/huddle now` takes nothing after it.", "/huddle now"),
        ("status all", "`/huddle status` takes nothing after it.", "/huddle status"),
        ("preview <#C0OPS>", "`/huddle preview` takes nothing after it.", "/huddle preview"),
        ("config", "Name the channel, for example `#ops-huddle`.", CONFIG_USAGE),
        ("config time=09:00", "Name the channel, for example `#ops-huddle`.", CONFIG_USAGE),
        ("config ops time=09:00", "`ops` is not a channel; pick one with `#`.", CONFIG_USAGE),
        (f"config {OPS} time=09:00 please", "`please` is not understood here.", CONFIG_USAGE),
        (f"config {OPS} {OPS}", f"`{OPS}` is not understood here.", CONFIG_USAGE),
        (f"config {OPS} time=25:00", "`25:00` is not a time", CONFIG_USAGE),
        (f"config {OPS} time=9am", "`9am` is not a time", CONFIG_USAGE),
        (f"config {OPS} tz=Mars/Base", "`Mars/Base` is not a timezone", CONFIG_USAGE),
        (f"config {OPS} days=someday", "`someday` is not a day list", CONFIG_USAGE),
        ("off", "Name the channel, for example `#ops-huddle`.", OFF_USAGE),
        ("off ops-huddle", "`ops-huddle` is not a channel; pick one with `#`.", OFF_USAGE),
        (f"off {OPS} time=09:00", "`time=09:00` is not understood here.", OFF_USAGE),
        (f'off {OPS} "two words"', "`two words` is not understood here.", OFF_USAGE),
    ],
)
def test_bad_input_names_the_problem_and_the_usage(text: str, message: str, usage: str) -> None:
    with pytest.raises(UsageError) as error:
        parse(text)
    assert error.value.message.startswith(message)
    assert error.value.usage == usage


def test_config_parses_the_words_after_config() -> None:
    assert parse_config(f"{OPS} time=10:15") == parse(f"config {OPS} time=10:15")


@given(st.text(max_size=60))
def test_any_text_parses_or_gets_a_usage_error(text: str) -> None:
    try:
        parse(text)
    except UsageError as error:
        assert error.usage.startswith("/huddle")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("nwo", "now"), ("preveiw", "preview"), ("stauts", "status"), ("of", "off")],
)
def test_a_typo_gets_a_suggestion(typed: str, meant: str) -> None:
    with pytest.raises(UsageError) as error:
        parse(typed)
    assert error.value.message == (
        f"`/huddle {typed}` is not a huddle command. Did you mean `/huddle {meant}`?"
    )
