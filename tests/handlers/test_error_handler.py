"""The one error handler, for errors raised after a listener has acked."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack

from bot.errors import ConflictError
from bot.runtime import Runtime
from bot.standin.driver import SlackDriver
from bot.standin.server import FakeSlack
from tests.conftest import MARIA, OPS_CHANNEL


def test_an_error_after_ack_keeps_the_ack_and_tells_the_clicker(
    runtime: Runtime, slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    # A listener registered by the test: ack, then fail the way a stale button does.
    @runtime.app.action("test_stale_button")
    def stale(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        raise ConflictError("ESC-1 is already resolved.")

    message = {"ts": "1700000000.000100", "text": "ESC-1", "blocks": []}
    for _ in range(20):
        reply = slack.click("test_stale_button", user=MARIA, channel=OPS_CHANNEL, message=message)
        assert reply.status == 200
    answers = fake_slack.wait_for(
        "response_url", lambda c: "already resolved" in c.blocks_text(), count=20
    )
    assert all(a["response_type"] == "ephemeral" for a in answers)
