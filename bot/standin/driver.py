"""Sends Slack-shaped, correctly signed requests to the app, as Slack would.

`transport` delivers the exact signed bytes: the tests post them to the Flask app,
the console hands them to Bolt directly. Either way Bolt verifies the signature.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

Transport = Callable[[bytes, dict[str, str]], tuple[int, bytes]]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Reply:
    """Slack's view of the app's HTTP answer."""

    status: int
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body) if self.body else {}

    def text(self) -> str:
        """Fallback text and every block text of the reply, for assertions."""
        from bot.standin.server import ApiCall

        return ApiCall("ack", self.json).blocks_text() if self.body else ""


class SlackDriver:
    def __init__(
        self,
        *,
        signing_secret: str,
        transport: Transport,
        response_base_url: str,
        team_id: str = "T0001",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.signing_secret = signing_secret
        self.transport = transport
        self.response_base_url = response_base_url
        self.team_id = team_id
        self.clock = clock
        self._ids = itertools.count(1)
        # Event ids are unique across runs, as Slack's are: a console resumed on the same
        # database must not have its first events taken for retries of the last run's.
        self._run = secrets.token_hex(4).upper()

    # -- the raw request -----------------------------------------------------
    def send(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: float | None = None,
        signature: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> Reply:
        ts = str(int(timestamp if timestamp is not None else self.clock()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature
            if signature is not None
            else sign(self.signing_secret, ts, body),
            **(extra_headers or {}),
        }
        status, answer = self.transport(body, headers)
        return Reply(status, answer)

    def _form(self, payload: dict[str, Any], **kwargs: Any) -> Reply:
        return self.send(urlencode(payload).encode(), "application/x-www-form-urlencoded", **kwargs)

    def _interactive(self, payload: dict[str, Any], **kwargs: Any) -> Reply:
        return self._form({"payload": json.dumps(payload)}, **kwargs)

    def _next(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}"

    def response_url(self) -> str:
        return f"{self.response_base_url}respond/{self._next('R')}"

    # -- what a user does ----------------------------------------------------
    def command(
        self,
        command: str,
        text: str = "",
        *,
        user: str,
        channel: str = "C0GENERAL",
        team_id: str | None = None,
    ) -> Reply:
        """Type a slash command. Text is sent as Slack sends it (`&`, `<`, `>` escaped)."""
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        # Mentions typed as <@U…> / <#C…> stay links, as with should_escape.
        for token in ("@", "#"):
            escaped = escaped.replace(f"&lt;{token}", f"<{token}")
        escaped = _restore_link_ends(escaped)
        return self._form(
            {
                "token": "legacy",
                "team_id": team_id or self.team_id,
                "team_domain": "opsbot-demo",
                "channel_id": channel,
                "channel_name": channel.lower(),
                "user_id": user,
                "user_name": user.lower(),
                "command": command,
                "text": escaped,
                "api_app_id": "AOPSBOT",
                "response_url": self.response_url(),
                "trigger_id": self._next("trigger."),
            }
        )

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        team_id: str | None = None,
    ) -> Reply:
        body = {
            "token": "legacy",
            "team_id": team_id or self.team_id,
            "api_app_id": "AOPSBOT",
            "type": "event_callback",
            "event_id": event_id or self._next(f"Ev{self._run}"),
            "event_time": int(self.clock()),
            "event": event,
            "authorizations": [
                {"team_id": team_id or self.team_id, "user_id": "UBOT", "is_bot": True}
            ],
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.send(json.dumps(body).encode(), "application/json", extra_headers=headers)

    def dm(
        self,
        text: str,
        *,
        user: str,
        event_id: str | None = None,
        retry_num: int | None = None,
        subtype: str | None = None,
        files: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        bot_id: str | None = None,
    ) -> Reply:
        """Send the bot a direct message: a person's, or with `subtype` (`file_share`,
        `bot_message`, `message_changed` …), `files`, a `thread_ts` to reply in a thread, or
        a `bot_id`, the other kinds Slack delivers in a DM."""
        ts = f"{int(self.clock())}.{next(self._ids):06d}"
        event: dict[str, Any] = {
            "type": "message",
            "channel_type": "im",
            "channel": "D" + user[1:],
            "user": user,
            "text": text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
            "ts": ts,
            "event_ts": ts,
        }
        extra = {"subtype": subtype, "files": files, "thread_ts": thread_ts, "bot_id": bot_id}
        event.update({key: value for key, value in extra.items() if value is not None})
        return self.event(event, event_id=event_id, retry_num=retry_num)

    def open_home(self, *, user: str) -> Reply:
        return self.event(
            {"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": "home"}
        )

    def click(
        self,
        action_id: str,
        *,
        user: str,
        value: str | None = None,
        selected: dict[str, Any] | None = None,
        channel: str | None = None,
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        block_id: str = "actions",
        action_ts: str | None = None,
    ) -> Reply:
        """Press a button (or pick an option) in a message or a view."""
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id,
            "type": "button" if selected is None else "static_select",
            "action_ts": action_ts or f"{int(self.clock())}.{next(self._ids):06d}",
        }
        if value is not None:
            action["value"] = value
        if selected is not None:
            action.update(selected)
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": self.team_id, "domain": "opsbot-demo"},
            "user": {"id": user, "username": user.lower(), "team_id": self.team_id},
            "api_app_id": "AOPSBOT",
            "trigger_id": self._next("trigger."),
            "actions": [action],
        }
        if view is not None:
            payload["view"] = view
            payload["container"] = {"type": "view", "view_id": view.get("id")}
        else:
            payload["response_url"] = self.response_url()
            if channel is not None:
                payload["channel"] = {"id": channel}
            if message is not None:
                payload["message"] = message
                payload["container"] = {
                    "type": "message",
                    "message_ts": message.get("ts"),
                    "channel_id": channel,
                }
        return self._interactive(payload)

    def submit(
        self, view: dict[str, Any], values: dict[str, dict[str, Any]], *, user: str
    ) -> Reply:
        """Submit a modal. `values` is Slack's `state.values`: block_id → action_id → value."""
        submitted = {**view, "state": {"values": values}}
        submitted.setdefault("id", self._next("V"))
        submitted.setdefault("hash", self._next("h"))
        payload = {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": "opsbot-demo"},
            "user": {"id": user, "username": user.lower(), "team_id": self.team_id},
            "api_app_id": "AOPSBOT",
            "trigger_id": self._next("trigger."),
            "view": submitted,
        }
        return self._interactive(payload)

    def message_shortcut(
        self, callback_id: str, *, user: str, channel: str, message: dict[str, Any]
    ) -> Reply:
        """Run a message shortcut on `message` in `channel`, as from its "More actions" menu."""
        payload = {
            "type": "message_action",
            "callback_id": callback_id,
            "team": {"id": self.team_id, "domain": "opsbot-demo"},
            "user": {"id": user, "name": user.lower()},
            "channel": {"id": channel, "name": channel.lower()},
            "message": message,
            "message_ts": message.get("ts"),
            "trigger_id": self._next("trigger."),
            "response_url": self.response_url(),
        }
        return self._interactive(payload)


def _restore_link_ends(text: str) -> str:
    """After un-escaping `<@`/`<#`, the matching `&gt;` closes the mention again."""
    out: list[str] = []
    depth = 0
    i = 0
    while i < len(text):
        if text.startswith("<@", i) or text.startswith("<#", i):
            depth += 1
            out.append(text[i : i + 2])
            i += 2
        elif depth and text.startswith("&gt;", i):
            depth -= 1
            out.append(">")
            i += 4
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def form_values(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Build Slack's `state.values` for a modal from answers keyed by action_id.

    Plain strings answer text inputs; a dict is used as given (selected_option,
    selected_user, selected_date…)."""
    values: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks", []):
        element = block.get("element")
        if block.get("type") != "input" or not element:
            continue
        action_id = element.get("action_id")
        answer = answers.get(action_id)
        state: dict[str, Any] = {"type": element.get("type")}
        if isinstance(answer, dict):
            state.update(answer)
        elif element.get("type") == "plain_text_input":
            state["value"] = answer
        elif element.get("type") == "static_select":
            options = {o["value"]: o for o in element.get("options", [])}
            state["selected_option"] = (
                options.get(answer) if answer is not None else element.get("initial_option")
            )
        elif element.get("type") == "users_select":
            state["selected_user"] = answer if answer is not None else element.get("initial_user")
        else:
            state["value"] = answer
        values[block["block_id"]] = {action_id: state}
    return values
