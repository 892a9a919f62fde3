"""/ops help through the real app with signed requests, and the refusal of bad signatures."""

from __future__ import annotations

import time

from bot.standin.driver import SlackDriver
from bot.standin.server import FakeSlack
from tests.conftest import MARIA


def test_ops_help_lists_every_command(slack: SlackDriver) -> None:
    for text in ("", "help", "HELP"):
        reply = slack.command("/ops", text, user=MARIA)
        assert reply.status == 200
        shown = reply.text()
        for command in ("/escalate", "/kpi", "/standup", "/huddle"):
            assert command in shown
        assert "/escalate sev2 Dock door 4 stuck open" in shown


def test_unknown_subcommand_gets_usage_not_a_trace(slack: SlackDriver) -> None:
    reply = slack.command("/ops", "launch <!channel>", user=MARIA)
    assert reply.status == 200
    assert reply.json["response_type"] == "ephemeral"
    shown = reply.text()
    assert "is not an Opsbot command" in shown
    assert "Usage: `/ops help`" in shown
    assert "&lt;!channel&gt;" in shown and "<!channel>" not in shown


def test_unsigned_and_stale_requests_are_refused(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    body = b"command=%2Fops&text=help&user_id=UMARIA&team_id=T0001"
    calls_before = len(fake_slack.calls)
    forged = slack.send(body, "application/x-www-form-urlencoded", signature="v0=deadbeef")
    stale = slack.send(body, "application/x-www-form-urlencoded", timestamp=time.time() - 600)
    assert forged.status == 401
    assert stale.status == 401
    assert len(fake_slack.calls) == calls_before


def test_a_typo_of_status_is_named(slack: SlackDriver) -> None:
    shown = slack.command("/ops", "stauts", user=MARIA).text()
    assert "`/ops stauts` is not an Opsbot command. Did you mean `/ops status`?" in shown
