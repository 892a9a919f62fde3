"""Direct messages to Opsbot: what a person sends (with files, in a thread) is answered
like any other DM, the "Escalate this" button opens the form pre-filled, and Slackbot,
other bots and Slack's own notices get no answer at all."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.models import Escalation
from bot.runtime import Runtime
from bot.standin.driver import SlackDriver, form_values
from bot.standin.server import ApiCall, FakeSlack
from tests.conftest import JOE, MARIA, TEAM
from tests.handlers.test_escalate import configure, dms_to, wait_for_post

PHOTO = {"id": "F0SEAL", "name": "seal.jpg", "title": "seal.jpg", "mimetype": "image/jpeg"}


def help_reply(fake_slack: FakeSlack) -> ApiCall:
    """The one DM Opsbot sent, which must be its help."""
    posted = fake_slack.calls_to("chat.postMessage")
    assert len(posted) == 1, [call.blocks_text() for call in posted]
    assert "Start a message with `escalate` or a severity" in posted[0].blocks_text()
    return posted[0]


def escalate_this_button(call: ApiCall) -> dict[str, Any]:
    actions = next(b for b in call["blocks"] if b["type"] == "actions")
    button = actions["elements"][0]
    assert button["text"]["text"] == "Escalate this"
    return button


def opened(runtime: Runtime) -> list[tuple[int, str, str]]:
    with runtime.db.session() as session:
        rows = session.scalars(select(Escalation).where(Escalation.team_id == TEAM)).all()
        return [(row.number, row.summary, row.details) for row in rows]


def test_a_dm_with_a_file_gets_help_and_the_button(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    configure(runtime)
    reply = slack.dm("Door seal on dock 5 is torn", user=MARIA, subtype="file_share", files=[PHOTO])
    assert reply.status == 200
    call = help_reply(fake_slack)
    assert call["channel"] == "DMARIA"
    assert "Door seal on dock 5 is torn" in escalate_this_button(call)["value"]
    assert opened(runtime) == []


def test_a_file_sent_alone_still_gets_the_button(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    configure(runtime)
    slack.dm("", user=MARIA, subtype="file_share", files=[PHOTO])
    button = escalate_this_button(help_reply(fake_slack))
    slack.click(button["action_id"], user=MARIA, value=button["value"], channel="DMARIA")
    view = fake_slack.wait_for("views.open")[0]["view"]
    summary = next(b for b in view["blocks"] if b.get("block_id") == "summary")
    assert "initial_value" not in summary["element"]


def test_a_dm_with_a_file_and_an_escalate_request_opens_it(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    configure(runtime)
    slack.dm("escalate Dock door 4 stuck", user=MARIA, subtype="file_share", files=[PHOTO])
    wait_for_post(fake_slack, MARIA, "ESC-1")
    assert opened(runtime) == [(1, "Dock door 4 stuck", "")]
    assert not any("Escalate this" in text for text in dms_to(fake_slack, MARIA))


def test_a_reply_in_a_dm_thread_gets_help(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    configure(runtime)
    slack.dm("Still grinding after the reset", user=MARIA, thread_ts="1700000001.000001")
    button = escalate_this_button(help_reply(fake_slack))
    assert "Still grinding after the reset" in button["value"]
    assert opened(runtime) == []


@pytest.mark.parametrize(
    "kind",
    [
        {"user": "USLACKBOT", "text": "You have been removed from #ops by <@UADMIN>"},
        {"user": "USLACKBOT", "text": "escalate sev1 Reminder: check the dock doors"},
        {"user": "UEXPORT", "text": "Nightly export done", "subtype": "bot_message"},
        {"user": "UEXPORT", "text": "sev1 Export failed", "bot_id": "BEXPORT"},
        {"user": MARIA, "text": "Dock door 4 stuck", "subtype": "message_changed"},
        {"user": MARIA, "text": "", "subtype": "message_deleted"},
        {"user": MARIA, "text": "<@UMARIA> has joined the channel", "subtype": "channel_join"},
    ],
    ids=[
        "slackbot-notice",
        "slackbot-reminder",
        "bot-message",
        "bot-id",
        "edited",
        "deleted",
        "joined",
    ],
)
def test_slackbot_bots_and_slack_notices_get_no_answer(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, kind: dict[str, str]
) -> None:
    configure(runtime)
    reply = slack.dm(
        kind["text"],
        user=kind["user"],
        subtype=kind.get("subtype"),
        bot_id=kind.get("bot_id"),
    )
    assert reply.status == 200
    assert fake_slack.calls_to("chat.postMessage") == []
    assert opened(runtime) == []


def test_escalate_this_opens_the_form_pre_filled_and_nothing_else(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    configure(runtime)
    slack.dm("Dock 5 leveller grinding\nIt started after the 06:00 reset.", user=MARIA)
    button = escalate_this_button(help_reply(fake_slack))
    reply = slack.click(button["action_id"], user=MARIA, value=button["value"], channel="DMARIA")
    assert reply.status == 200
    view = fake_slack.wait_for("views.open")[0]["view"]
    assert view["title"]["text"] == "Escalate an issue"
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert fields["summary"]["initial_value"] == "Dock 5 leveller grinding"
    assert fields["details"]["initial_value"] == (
        "Dock 5 leveller grinding\nIt started after the 06:00 reset."
    )
    assert fields["severity"]["initial_option"]["value"] == "sev3"
    assert opened(runtime) == []
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # the help, nothing since

    # Slack submits the pre-filled text as the person left it.
    answers = {name: fields[name]["initial_value"] for name in ("summary", "details")}
    slack.submit(
        {**view, "id": "VDMFORM"}, form_values(view, {**answers, "severity": "sev2"}), user=MARIA
    )
    wait_for_post(fake_slack, MARIA, "ESC-1")
    assert [(number, summary) for number, summary, _ in opened(runtime)] == [
        (1, "Dock 5 leveller grinding")
    ]


def test_the_last_level_is_not_told_it_goes_to_a_next_level(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack
) -> None:
    configure(runtime, chain=(JOE, MARIA))
    slack.command("/escalate", "sev2 Dock door 4 stuck open", user="UREPORTER")
    [first] = [t for t in dms_to(fake_slack, JOE) if "You are on call" in t]
    assert "or it goes to the next level" in first
    configure(runtime, chain=(JOE,))
    slack.command("/escalate", "sev2 Dock door 5 stuck open", user="UREPORTER")
    pages = [t for t in dms_to(fake_slack, JOE) if "You are on call" in t]
    assert "you are the last level, so after that the channel is reminded" in pages[-1]
    assert "next level" not in pages[-1]
