"""What real Slack does with the templates' own text: a raw `<word>` in mrkdwn is read as a
link and hidden, a date or mention in plain_text shows as its raw token, and a rendered date
(`today at 07:45`) must not follow "at" or "on". Plus the rules slack_sdk does not check."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot import blocks
from bot.blocks import TEMPLATES_DIR, BlockKitError, render
from bot.ids import ActionId
from bot.messaging.escalations import render_did_you_mean
from tests.templates.conftest import slack_rule_breaches

TEMPLATES = sorted(TEMPLATES_DIR.rglob("*.j2"))
# A Slack control sequence a template may write itself; any other `<` starts a hidden "link".
CONTROL = re.compile(r"<(?:!date\^|!subteam\^|@|#)")
# Filters whose output is mrkdwn markup (`<!date^…>`, `<@U…>`, `<#C…>`, `<url|label>`).
MARKUP_FILTERS = re.compile(r"\|\s*(slack_time|user|channel|link|mentions)\b")
PLAIN_TEXT = re.compile(r'"type":\s*"plain_text",\s*"text":\s*("(?:[^"\\]|\\.)*"|\{\{.*?\}\})')


def literal_text(path: Path) -> str:
    """The template as Slack sees its own words: comments gone, every tag a placeholder."""
    source = re.sub(r"\{#.*?#\}", "", path.read_text(), flags=re.S)
    source = re.sub(r"\{\{.*?\}\}", "{{}}", source, flags=re.S)
    return re.sub(r"\{%.*?%\}", "{%%}", source, flags=re.S)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES_DIR)))
def test_no_raw_angle_bracket_placeholders_in_literal_text(path: Path) -> None:
    text = literal_text(path)
    raw = [text[m.start() : m.start() + 30] for m in re.finditer("<", text)]
    assert [r for r in raw if not CONTROL.match(r)] == [], "write `&lt;name&gt;` in mrkdwn"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES_DIR)))
def test_plain_text_never_gets_dates_mentions_or_links(path: Path) -> None:
    source = re.sub(r"\{#.*?#\}", "", path.read_text(), flags=re.S)
    for match in PLAIN_TEXT.finditer(source):
        text = match.group(1)
        assert not MARKUP_FILTERS.search(text), f"plain_text shows the raw token: {text}"
        assert not CONTROL.search(text) and "&lt;" not in text, text


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES_DIR)))
def test_a_rendered_date_does_not_follow_at_or_on(path: Path) -> None:
    """`slack_time` renders `today at 07:45` or `Mon 7 Dec at 07:45`: "at today at" and "on
    tomorrow at" read badly, and so does a bare "next today at"."""
    source = path.read_text()
    bad = re.findall(r"\b(?:at|on|next)\s+\{\{[^}]*\|\s*slack_time\s*\}\}", source)
    assert bad == []


def test_the_did_you_mean_buttons_have_their_own_action_ids() -> None:
    guess = SimpleNamespace(
        word="sev5",
        severity="sev4",
        summary="Freezer door",
        text="sev5 Freezer door",
        suggestion="sev4",
    )
    reply = render_did_you_mean(guess)  # type: ignore[arg-type]
    [actions] = [b for b in reply["blocks"] if b["type"] == "actions"]
    ids = [button["action_id"] for button in actions["elements"]]
    assert ids == [ActionId.ESCALATION_OPEN_AS, ActionId.ESCALATION_OPEN_ANYWAY]
    assert slack_rule_breaches(reply) == []


def test_the_strict_check_catches_what_slack_refuses() -> None:
    button = {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "x"}}
    section = {"type": "section", "block_id": "b", "text": {"type": "mrkdwn", "text": "x"}}
    with pytest.raises(BlockKitError, match="action_id 'a' is used twice"):
        blocks.validate(
            {"text": "t", "blocks": [{"type": "actions", "elements": [button, button]}]}
        )
    with pytest.raises(BlockKitError, match="block_id 'b' is used twice"):
        blocks.validate({"text": "t", "blocks": [section, section]})
    field = {"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]}
    assert slack_rule_breaches({"blocks": [field]}) == [
        "block 0 (section): a field is over 2000 characters"
    ]


def test_report_lines_of_many_reports_stay_in_one_section() -> None:
    from datetime import UTC, datetime, time

    config = SimpleNamespace(
        channel_id="C0LEADERSHIP",
        cadence="monthly",
        time=time(8, 0),
        tz="America/Argentina/Buenos_Aires",
        holidays="GB-SCT",
        skip_days="2026-12-24,2026-12-31",
        enabled=True,
    )
    line = {
        "config": config,
        "day": "the 28th",
        "next_at": datetime(2026, 12, 28, 11, 0, tzinfo=UTC),
        "next_label": "Mon 23 Feb to Sun 1 Mar 2026",
    }
    reply = render("messages/report_reply", action="status", lines=[line] * 41)
    shown = [block["text"]["text"] for block in reply["blocks"] if block["type"] == "section"]
    assert len(shown) == 5 and max(len(text) for text in shown) <= 3000
    assert shown[1].startswith("<#C0LEADERSHIP> · *monthly* on the 28th at *08:00*")
    assert shown[1].count("\n") == 9
    assert reply["blocks"][-1]["elements"][0]["text"] == "… and 1 more report."
