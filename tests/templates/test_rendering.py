"""The rendering module: escaping of user text, trusted mrkdwn, Block Kit validation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.blocks import BlockKitError, escape_mrkdwn, render, validate


def test_help_and_error_templates_render_as_block_kit() -> None:
    help_message = render("messages/ops_help")
    assert help_message["blocks"][0]["type"] == "header"
    error = render("messages/error", message="Nope", usage="/ops help")
    assert error["blocks"][1]["elements"][0]["text"] == "Usage: `/ops help`"
    view = render("views/error", text="Bad")
    assert view["type"] == "modal"


@given(st.text(min_size=1, max_size=300))
def test_any_user_text_is_escaped_once_and_stays_valid_json(text: str) -> None:
    message = render("messages/error", message=text, usage=None)
    shown = message["blocks"][0]["text"]["text"]
    assert shown == ":warning: " + escape_mrkdwn(text)
    assert "<" not in shown and ">" not in shown


def test_hostile_text_cannot_ping_or_forge_links() -> None:
    message = render(
        "messages/error", message="<!channel> <https://evil.example|bank> & co", usage=None
    )
    shown = message["blocks"][0]["text"]["text"]
    assert shown == ":warning: &lt;!channel&gt; &lt;https://evil.example|bank&gt; &amp; co"


def test_validation_refuses_too_many_blocks_and_bad_blocks() -> None:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    with pytest.raises(BlockKitError, match="51 blocks"):
        validate({"text": "t", "blocks": [section] * 51})
    with pytest.raises(BlockKitError, match="not valid Block Kit"):
        validate(
            {
                "text": "t",
                "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
            }
        )
    with pytest.raises(BlockKitError, match="fallback text"):
        validate({"blocks": [section]})


def test_output_is_validated_once_but_invalid_output_is_refused_every_time() -> None:
    for _ in range(2):
        with pytest.raises(BlockKitError, match="not valid Block Kit"):
            render("messages/error", message="&" * 1000, usage=None)
    first = render("messages/ops_help")
    first["blocks"].clear()
    assert render("messages/ops_help")["blocks"], "each render returns its own payload"
