"""What `opsbot serve` and `opsbot run` check once before they start: that Slack answers at
SLACK_API_URL and accepts the tokens.

Bolt calls auth.test when the app is built, in every gunicorn worker; a failure there
kills the worker with a traceback and gunicorn's "Worker failed to boot". Checking once
in the starting process instead turns the same failure into one sentence that names the
cause and the fix.
"""

from __future__ import annotations

import logging
import re
import socket
import ssl
from collections.abc import Callable
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings

CHECK_TIMEOUT_SECONDS = 10
# Errors meaning the token itself is wrong, or no longer valid.
_WRONG_TOKEN = ("invalid_auth", "not_authed", "not_allowed_token_type")
_ERROR_CODE = re.compile(r"[a-z0-9_]+")
_DEAD_TOKEN = ("account_inactive", "token_revoked", "token_expired", "team_disabled")


# The client would log the failure as an error; it is reported as one sentence instead.
_client_log = logging.getLogger(__name__ + ".client")
_client_log.setLevel(logging.CRITICAL)


class SlackCheckFailed(Exception):
    """Slack is unreachable or refuses a token; the message is one sentence with the fix."""


def check_slack(settings: Settings) -> None:
    """Call auth.test with SLACK_BOT_TOKEN (and, for Socket Mode, apps.connections.open with
    SLACK_APP_TOKEN); raise SlackCheckFailed with the cause and the fix when it fails."""
    url = settings.slack_api_url
    _call(
        _client(settings.slack_bot_token, url).auth_test,
        url=url,
        setting="SLACK_BOT_TOKEN",
        fix="copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page",
    )
    if settings.slack_app_token:
        app_token = settings.slack_app_token
        _call(
            lambda: _client(None, url).apps_connections_open(app_token=app_token),
            url=url,
            setting="SLACK_APP_TOKEN",
            fix=(
                "create an app-level token with the connections:write scope under your app's "
                "Basic Information → App-Level Tokens"
            ),
        )


def _client(token: str | None, url: str) -> WebClient:
    # No retries: a check that waits out an outage would hide it from the person starting.
    return WebClient(
        token=token,
        base_url=url,
        timeout=CHECK_TIMEOUT_SECONDS,
        retry_handlers=[],
        logger=_client_log,
    )


def _call(call: Callable[[], object], *, url: str, setting: str, fix: str) -> None:
    try:
        call()
    except SlackApiError as refused:
        raise SlackCheckFailed(_refusal(refused, url=url, setting=setting, fix=fix)) from None
    except OSError as unreachable:  # URLError, timeouts and TLS failures are OSErrors
        raise SlackCheckFailed(
            f"Cannot reach Slack at {url} ({_reason(unreachable)}): "
            "check SLACK_API_URL and the network."
        ) from None


def _refusal(refused: SlackApiError, *, url: str, setting: str, fix: str) -> str:
    status = refused.response.status_code
    data = refused.response.data
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, str) or not _ERROR_CODE.fullmatch(error):
        error = None  # not an answer of the Web API (slack_sdk's note on a non-JSON body)
    if error in _WRONG_TOKEN:
        return f"Slack rejected {setting} ({error}): {fix}."
    if error in _DEAD_TOKEN:
        return (
            f"Slack rejected {setting} ({error}): the app was uninstalled or the token "
            f"revoked; reinstall the app and {fix}."
        )
    if status >= 500 or status == 429:
        return (
            f"Slack at {url} answered HTTP {status}: it is busy or down; "
            "start Opsbot again in a minute (https://slack-status.com shows outages)."
        )
    if error:
        return f"Slack refused {setting} ({error}): check {setting} and SLACK_API_URL."
    return (
        f"{url} answered HTTP {status}, which is not Slack's Web API: check SLACK_API_URL "
        "(normally https://slack.com/api/)."
    )


def _reason(error: BaseException) -> str:
    """A short, lower-case reason such as `connection refused` or `timed out`."""
    reason: object = error.reason if isinstance(error, URLError) else error
    if isinstance(reason, socket.gaierror):
        return "unknown host"
    if isinstance(reason, TimeoutError):
        return "timed out"
    if isinstance(reason, ssl.SSLError):
        return "TLS failed: " + (getattr(reason, "reason", None) or "certificate problem")
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror[0].lower() + reason.strerror[1:]
    return str(reason) or type(reason).__name__
