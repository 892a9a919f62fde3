"""The /ops grammar: help, status, or "is not an Opsbot command" naming the closest one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UsageError
from bot.grammar.ops import USAGE, Help, Status, parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("   ", Help()),
        ("help", Help()),
        ("HELP", Help()),
        ('"help"', Help()),
        ("status", Status()),
        ("Status", Status()),
    ],
)
def test_help_and_status(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("stauts", "`/ops stauts` is not an Opsbot command. Did you mean `/ops status`?"),
        ("STATSU", "`/ops statsu` is not an Opsbot command. Did you mean `/ops status`?"),
        ("hlep", "`/ops hlep` is not an Opsbot command. Did you mean `/ops help`?"),
        ("launch", "`/ops launch` is not an Opsbot command."),
        ("help me", "`/ops help me` is not an Opsbot command. Did you mean `/ops help`?"),
        ("status now", "`/ops status now` is not an Opsbot command. Did you mean `/ops status`?"),
    ],
)
def test_anything_else_is_refused_with_the_closest_command(text: str, message: str) -> None:
    with pytest.raises(UsageError) as error:
        parse(text)
    assert error.value.message == message
    assert error.value.usage == USAGE


def test_a_far_miss_suggests_nothing() -> None:
    with pytest.raises(UsageError) as error:
        parse("launch <!channel>")
    assert "Did you mean" not in error.value.message


@given(st.text(max_size=40))
def test_any_text_parses_or_gets_the_usage(text: str) -> None:
    try:
        assert isinstance(parse(text), Help | Status)
    except UsageError as error:
        assert error.usage == USAGE
