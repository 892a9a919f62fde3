"""`opsbot serve` as a real process: health check, signature refusal, /ops help, SIGTERM;
and `opsbot run` / settings errors, Slack unreachable or refusing the token, explained in
one sentence."""

from __future__ import annotations

import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

from bot.app import build_runtime
from bot.config import load_settings
from bot.standin.driver import sign
from bot.standin.server import FakeSlack
from bot.web import create_web_app
from tests.serve_process import OPSBOT, ServeProcess, clean_env, free_port

SECRET = "serve-secret"


def test_serve_health_signatures_help_and_sigterm(tmp_path: Path, fake_slack: FakeSlack) -> None:
    with ServeProcess(
        cwd=tmp_path,
        env=clean_env(
            SLACK_BOT_TOKEN="xoxb-serve",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=fake_slack.api_url,
            DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}",
        ),
        log=tmp_path / "serve.log",
    ) as serving:
        serving.wait_until_healthy()
        body = urlencode(
            {
                "command": "/ops",
                "text": "help",
                "user_id": "UMARIA",
                "team_id": "T0001",
                "channel_id": "C1",
                "response_url": fake_slack.url + "respond/1",
                "trigger_id": "t",
            }
        ).encode()
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        now = str(int(time.time()))
        unsigned = serving.post_to_slack_events(body, form)
        stale_ts = str(int(time.time()) - 600)
        stale = serving.post_to_slack_events(
            body,
            {
                **form,
                "X-Slack-Request-Timestamp": stale_ts,
                "X-Slack-Signature": sign(SECRET, stale_ts, body),
            },
        )
        good = serving.post_to_slack_events(
            body,
            {
                **form,
                "X-Slack-Request-Timestamp": now,
                "X-Slack-Signature": sign(SECRET, now, body),
            },
        )
        assert unsigned[0] == 401
        assert stale[0] == 401
        assert good[0] == 200
        assert b"/escalate" in good[1] and b"/huddle" in good[1]
        assert serving.stop() == 0


def test_healthz_is_503_when_the_database_is_unreachable(fake_slack: FakeSlack) -> None:
    settings = load_settings(
        _env_file=None,
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_api_url=fake_slack.api_url,
        database_url="postgresql://postgres@127.0.0.1:9/nowhere",
    )
    runtime = build_runtime(settings)
    try:
        answer = create_web_app(runtime).test_client().get("/healthz")
        assert answer.status_code == 503
        assert answer.json == {"status": "unavailable", "database": "unreachable"}
    finally:
        runtime.close()


def test_run_without_credentials_starts_the_demo_console(tmp_path: Path) -> None:
    result = subprocess.run(
        [OPSBOT, "run"],
        cwd=tmp_path,
        env=clean_env(),
        input="/ops help\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    first_line, rest = result.stdout.split("\n", 1)
    assert first_line == (
        "No Slack credentials found, so Opsbot starts its local demo workspace "
        "(see 'Create the Slack app' in the README to connect it to Slack)."
    )
    assert "Opsbot console:" in rest
    assert "@maria #general> /ops help" in rest and "/escalate" in rest
    assert (tmp_path / "console.db").exists()


def test_run_with_partial_or_invalid_credentials_explains_what_to_set(tmp_path: Path) -> None:
    for env, named in (
        (clean_env(SLACK_BOT_TOKEN="xoxb-only-a-token"), "SLACK_SIGNING_SECRET is not set"),
        (clean_env(SLACK_SIGNING_SECRET="only-a-secret"), "SLACK_BOT_TOKEN is not set"),
        (clean_env(SLACK_BOT_TOKEN="not-a-token"), "SLACK_BOT_TOKEN is invalid"),
    ):
        result = subprocess.run(
            [OPSBOT, "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 2
        assert result.stderr.startswith(named)
        assert result.stderr.strip().count("\n") == 0
        assert "Traceback" not in result.stderr
        assert result.stdout == ""


def test_invalid_setting_is_one_sentence_naming_it(tmp_path: Path) -> None:
    result = subprocess.run(
        [OPSBOT, "migrate"],
        cwd=tmp_path,
        env=clean_env(OPSBOT_TIMEZONE="Mars/Olympus"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "OPSBOT_TIMEZONE is invalid: must be an IANA timezone such as Europe/Berlin."
    )


def start_failing(tmp_path: Path, command: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [OPSBOT, command, "--port", str(free_port())],
        cwd=tmp_path,
        env=clean_env(
            SLACK_BOT_TOKEN="xoxb-made-up",
            SLACK_SIGNING_SECRET=SECRET,
            DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}",
            **env,
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_one_sentence(result: subprocess.CompletedProcess[str], sentence: str) -> None:
    assert result.returncode == 1, result.stderr
    assert result.stderr == sentence + "\n"
    assert result.stdout == ""


def test_serve_and_run_with_slack_unreachable_say_so_in_one_sentence(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/"
    for command in ("serve", "run"):
        assert_one_sentence(
            start_failing(tmp_path, command, SLACK_API_URL=closed),
            f"Cannot reach Slack at {closed} (connection refused): "
            "check SLACK_API_URL and the network.",
        )
    assert_one_sentence(
        start_failing(tmp_path, "serve", SLACK_API_URL="http://no-such-host.invalid/api/"),
        "Cannot reach Slack at http://no-such-host.invalid/api/ (unknown host): "
        "check SLACK_API_URL and the network.",
    )


def test_serve_with_a_token_slack_rejects_says_which_and_where_to_get_one(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    copy = "copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page."
    for error, sentence in (
        ("invalid_auth", f"Slack rejected SLACK_BOT_TOKEN (invalid_auth): {copy}"),
        ("not_authed", f"Slack rejected SLACK_BOT_TOKEN (not_authed): {copy}"),
        (
            "account_inactive",
            "Slack rejected SLACK_BOT_TOKEN (account_inactive): the app was uninstalled or "
            f"the token revoked; reinstall the app and {copy}",
        ),
    ):
        fake_slack.fail("auth.test", error=error)
        assert_one_sentence(
            start_failing(tmp_path, "serve", SLACK_API_URL=fake_slack.api_url), sentence
        )
    fake_slack.fail("auth.test", status=503, retry_after=None)
    result = start_failing(tmp_path, "run", SLACK_API_URL=fake_slack.api_url)
    assert_one_sentence(
        result,
        f"Slack at {fake_slack.api_url} answered HTTP 503: it is busy or down; start Opsbot "
        "again in a minute (https://slack-status.com shows outages).",
    )
    assert "Worker failed to boot" not in result.stderr


class NotSlack(BaseHTTPRequestHandler):
    """A web server that is not Slack's Web API: every request gets an HTML 404."""

    def do_POST(self) -> None:
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html><body>Not Found</body></html>")

    def log_message(self, format: str, *args: object) -> None:
        del format, args


def test_serve_pointed_at_something_else_than_slack_says_so(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), NotSlack)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        assert_one_sentence(
            start_failing(tmp_path, "serve", SLACK_API_URL=url),
            f"{url} answered HTTP 404, which is not Slack's Web API: check SLACK_API_URL "
            "(normally https://slack.com/api/).",
        )
    finally:
        server.shutdown()
        server.server_close()
