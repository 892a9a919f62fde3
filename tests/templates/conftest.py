"""Every template rendered by a test here is also held to the Block Kit rules that
slack_sdk's models (and so `bot.blocks.validate`) do not check, but real Slack does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot import blocks

FIELD_LIMIT = 2000  # a section's field
OPTION_LIMIT = 75  # an option's text
CONTEXT_TEXT_LIMIT = 3000  # a context element's text


def slack_rule_breaches(payload: dict[str, Any]) -> list[str]:
    """What Slack would refuse in a payload although slack_sdk accepts it: an action_id used
    twice in one block, a block_id used twice in one message or view, a field, option or
    context text over its limit."""
    breaches: list[str] = []
    block_ids: set[str] = set()
    for index, block in enumerate(payload.get("blocks", [])):
        where = f"block {index} ({block.get('type')})"
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in block_ids:
                breaches.append(f"{where}: block_id {block_id!r} is used twice")
            block_ids.add(block_id)
        action_ids = [e.get("action_id") for e in _elements(block) if e.get("action_id")]
        for action_id in {a for a in action_ids if action_ids.count(a) > 1}:
            breaches.append(f"{where}: action_id {action_id!r} is used twice in one block")
        for field in block.get("fields") or []:
            if len(field.get("text", "")) > FIELD_LIMIT:
                breaches.append(f"{where}: a field is over {FIELD_LIMIT} characters")
        if block.get("type") == "context":
            for element in block.get("elements", []):
                if len(element.get("text", "")) > CONTEXT_TEXT_LIMIT:
                    breaches.append(f"{where}: a text is over {CONTEXT_TEXT_LIMIT} characters")
        for element in _elements(block):
            for option in [*element.get("options", []), element.get("initial_option") or {}]:
                text = (option.get("text") or {}).get("text", "")
                if len(text) > OPTION_LIMIT:
                    breaches.append(f"{where}: option {text[:20]!r}… is over {OPTION_LIMIT}")
    return breaches


def _elements(block: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(block.get("elements", [])) if block.get("type") == "actions" else []
    for key in ("accessory", "element"):
        if isinstance(block.get(key), dict):
            found.append(block[key])
    return found


@pytest.fixture(autouse=True)
def strict_block_kit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Check every render in these tests against `slack_rule_breaches` too."""
    checked = blocks.validate

    def validate(payload: dict[str, Any], *, name: str = "payload") -> None:
        checked(payload, name=name)
        breaches = slack_rule_breaches(payload)
        if breaches:
            raise blocks.BlockKitError(f"{name} would be refused by Slack: {'; '.join(breaches)}")

    blocks._validate_source.cache_clear()
    monkeypatch.setattr(blocks, "validate", validate)
    yield
    blocks._validate_source.cache_clear()
