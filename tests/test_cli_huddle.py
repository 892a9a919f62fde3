"""`opsbot huddle run`: posts the huddle now from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.db import Database
from bot.services import huddle
from bot.standin.server import ApiCall, FakeSlack
from tests.conftest import OPS_CHANNEL, TEAM


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, fake_slack: FakeSlack
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli")
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("OPSBOT_TIMEZONE", "America/Chicago")


@pytest.mark.usefixtures("cli_env")
def test_huddle_run_posts_now_without_claiming_the_day(
    fake_slack: FakeSlack, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["huddle", "run", "--team", TEAM, "--channel", OPS_CHANNEL]) == 0
    [message] = fake_slack.messages_in(OPS_CHANNEL)
    shown = ApiCall("post", message).blocks_text()
    assert "Daily huddle ·" in shown and "day in America/Chicago" in shown
    assert f"Posted the huddle in {OPS_CHANNEL}" in capsys.readouterr().out
    db = Database(database_url)
    with db.session() as session:
        assert huddle.previous_huddle_at(session, team_id=TEAM, channel_id=OPS_CHANNEL) is None
    db.dispose()


@pytest.mark.usefixtures("cli_env")
def test_huddle_run_explains_a_refusal(
    fake_slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_slack.fail("chat.postMessage", error="not_in_channel")
    assert main(["huddle", "run", "--team", TEAM, "--channel", OPS_CHANNEL]) == 1
    assert capsys.readouterr().err.strip() == "Slack refused the huddle post: not_in_channel."
