"""The Web API client waits out 429s (honouring Retry-After) and retries 5xx answers."""

from __future__ import annotations

from bot.runtime import Runtime
from bot.standin.server import FakeSlack
from tests.conftest import OPS_CHANNEL


def test_rate_limited_post_is_retried_not_dropped(runtime: Runtime, fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", status=429, retry_after=1, times=2)
    answer = runtime.client.chat_postMessage(channel=OPS_CHANNEL, text="hello")
    assert answer["ok"]
    attempts = [c for c in fake_slack.calls if c.method == "chat.postMessage"]
    assert [c.status for c in attempts] == [429, 429, 200]
    assert [m["text"] for m in fake_slack.messages_in(OPS_CHANNEL)] == ["hello"]


def test_server_errors_are_retried(runtime: Runtime, fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", status=503, retry_after=None, times=1)
    assert runtime.client.chat_postMessage(channel=OPS_CHANNEL, text="again")["ok"]
    assert len(fake_slack.messages_in(OPS_CHANNEL)) == 1
