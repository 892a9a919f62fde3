"""Shared grammar pieces: entity decoding, user and channel references, options."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.parsing import (
    decode_entities,
    parse_channel_ref,
    parse_user_ref,
    split_options,
    split_words,
)


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
