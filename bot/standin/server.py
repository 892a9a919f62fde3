"""A fake of the Slack Web API on loopback: records every call and answers like Slack.

It keeps just enough state (users, channels, messages, views, uploads) for Opsbot's
calls to get realistic answers, and can be told to answer 429 with Retry-After or
a server error, so rate-limit handling and outages are tested for real.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    status: int = 200
    answer: dict[str, Any] | None = None

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)

    def blocks_text(self) -> str:
        """All text of the call's blocks (and fallback text), for assertions."""
        blocks = _as_list(self.params.get("blocks"))
        return "\n".join([str(self.params.get("text") or ""), *_texts(blocks)])


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found: list[str] = []
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                found.append(value)
            elif isinstance(value, dict | list):
                found.extend(_texts(value))
        return found
    if isinstance(node, list):
        return [text for item in node for text in _texts(item)]
    return []


@dataclass
class Fault:
    method: str  # a method name or "*"
    status: int
    retry_after: int | None
    remaining: int
    error: str | None = None


@dataclass
class FakeSlackState:
    team_id: str = "T0001"
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)
    # User groups: id → {"id", "handle", "users": [user ids]}.
    usergroups: dict[str, dict[str, Any]] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 resets connections when a benchmark's bursts of uploads
    # arrive together; Slack itself never refuses a connection for that.
    request_queue_size = 256
    daemon_threads = True


class FakeSlack:
    def __init__(self, team_id: str = "T0001") -> None:
        self.state = FakeSlackState(team_id=team_id)
        self.calls: list[ApiCall] = []
        self.faults: list[Fault] = []
        self.rate_limits: dict[str, float] = {}
        self._last_accepted: dict[tuple[str, str], float] = {}
        self.listeners: list[Callable[[ApiCall], None]] = []
        # Called with each Web API request as it arrives, before Slack acts on it.
        self.arrival_listeners: list[Callable[[ApiCall], None]] = []
        self._ids = itertools.count(1)
        self._ts = itertools.count(1)
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    @property
    def api_url(self) -> str:
        return self.url + "api/"

    def start(self) -> FakeSlack:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        """Forget calls, faults and state (between tests)."""
        with self._lock:
            self.state = FakeSlackState(team_id=self.state.team_id)
            self.calls.clear()
            self.faults.clear()
            self.rate_limits.clear()
            self._last_accepted.clear()

    def conversation(self) -> str:
        """The messages and views so far, and where ids go on, as JSON for `resume`: the
        console keeps its stand-in's conversation with its database between runs, so that
        the app can go on updating and threading under messages it posted before."""
        with self._lock:
            next_ts, next_id = next(self._ts), next(self._ids)
            self._ts, self._ids = itertools.count(next_ts), itertools.count(next_id)
            return json.dumps(
                {
                    "messages": self.state.messages,
                    "views": self.state.views,
                    "next_ts": next_ts,
                    "next_id": next_id,
                }
            )

    def resume(self, conversation: str) -> None:
        """Take up a conversation saved with `conversation`."""
        saved = json.loads(conversation)
        with self._lock:
            self.state.messages = saved["messages"]
            self.state.views = saved["views"]
            self._ts = itertools.count(saved["next_ts"])
            self._ids = itertools.count(saved["next_id"])

    # -- set-up helpers ------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        tz: str = "UTC",
        is_admin: bool = False,
        real_name: str | None = None,
    ) -> None:
        with self._lock:
            self.state.users[user_id] = {
                "id": user_id,
                "team_id": self.state.team_id,
                "name": name,
                "real_name": real_name or name.title(),
                "tz": tz,
                "is_admin": is_admin,
                "is_owner": False,
                "is_bot": False,
            }

    def add_channel(self, channel_id: str, name: str) -> None:
        with self._lock:
            self.state.channels[channel_id] = {"id": channel_id, "name": name, "is_channel": True}

    def add_usergroup(self, usergroup_id: str, handle: str) -> None:
        with self._lock:
            self.state.usergroups[usergroup_id] = {
                "id": usergroup_id,
                "handle": handle,
                "users": [],
            }

    def usergroup_members(self, usergroup_id: str) -> list[str]:
        with self._lock:
            return list(self.state.usergroups[usergroup_id]["users"])

    def fail(
        self,
        method: str = "*",
        *,
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
        error: str | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` with `status` (and Retry-After), or
        with `{"ok": false, "error": error}` when `error` is given."""
        with self._lock:
            self.faults.append(Fault(method, status, retry_after, times, error))

    def limit_rate(
        self, method: str = "chat.postMessage", *, per_channel_seconds: float = 1.0
    ) -> None:
        """Answer 429 (Retry-After: 1) to a call of `method` that comes less than
        `per_channel_seconds` after the last one accepted for the same channel, as Slack
        limits posts to about one per second per channel."""
        with self._lock:
            self.rate_limits[method] = per_channel_seconds

    def recover(self) -> None:
        """Stop failing: forget the faults not used up yet (the end of an outage)."""
        with self._lock:
            self.faults.clear()

    # -- inspection ----------------------------------------------------------
    def calls_to(self, method: str) -> list[ApiCall]:
        with self._lock:
            return [c for c in self.calls if c.method == method and c.status == 200]

    def wait_for(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] = lambda _call: True,
        *,
        count: int = 1,
        timeout: float = 10.0,
    ) -> list[ApiCall]:
        """Block until `count` successful calls of `method` match, then return them all.
        Background listeners answer asynchronously; this waits on a condition, not a sleep."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [
                    c for c in self.calls if c.method == method and c.status == 200 and predicate(c)
                ]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = ", ".join(sorted({c.method for c in self.calls})) or "none"
                    raise AssertionError(
                        f"expected {count} call(s) to {method}, got {len(found)} "
                        f"(methods seen: {seen})"
                    )
                self._changed.wait(left)

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.state.messages.get(self._resolve_channel(channel), []))

    def upload_bytes(self, file_id: str) -> bytes:
        return self.state.uploads[file_id]["content"]

    # -- the Web API ---------------------------------------------------------
    def _record(self, call: ApiCall) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        if call.status == 200:
            for listener in list(self.listeners):
                listener(call)

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.remaining > 0 and fault.method in ("*", method):
                    fault.remaining -= 1
                    return fault
            spacing = self.rate_limits.get(method)
            if spacing is None:
                return None
            key = (method, self._resolve_channel(str(params.get("channel", ""))))
            now = time.monotonic()
            if now - self._last_accepted.get(key, -spacing) < spacing:
                return Fault(method, 429, retry_after=1, remaining=0)
            self._last_accepted[key] = now
            return None

    def _next_ts(self) -> str:
        return f"{1_700_000_000 + next(self._ts)}.{next(self._ids):06d}"

    def _resolve_channel(self, channel: str) -> str:
        return "D" + channel[1:] if channel.startswith(("U", "W")) else channel

    def handle(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        if method == "api.test":
            return {"ok": True}
        if not token:
            return {"ok": False, "error": "not_authed"}
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        with self._lock:
            return handler(params)

    def _m_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://opsbot-demo.slack.com/",
            "team": "Opsbot Demo",
            "user": "opsbot",
            "team_id": self.state.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
        }

    def unknown_files(self, blocks: Any) -> list[str]:
        """Ids of `slack_file` images in `blocks` that were never uploaded: Slack refuses
        such a message with `invalid_blocks`."""
        with self._lock:
            return [
                str(image["slack_file"].get("id"))
                for image in _images(_as_list(blocks))
                if image["slack_file"].get("id") not in self.state.uploads
            ]

    def _m_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(str(params.get("channel", "")))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if self.unknown_files(params.get("blocks")):
            return {"ok": False, "error": "invalid_blocks"}
        message = {
            "type": "message",
            "ts": self._next_ts(),
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "text": params.get("text", ""),
            "blocks": _as_list(params.get("blocks")),
            "thread_ts": params.get("thread_ts"),
        }
        if params.get("metadata"):
            metadata = params["metadata"]
            message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
        self.state.messages.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    def _m_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def _m_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(str(params.get("channel", "")))
        for message in self.state.messages.get(channel, []):
            if message["ts"] == params.get("ts"):
                message["text"] = params.get("text", message["text"])
                if "blocks" in params:
                    message["blocks"] = _as_list(params.get("blocks"))
                return {
                    "ok": True,
                    "channel": channel,
                    "ts": message["ts"],
                    "text": message["text"],
                }
        return {"ok": False, "error": "message_not_found"}

    def _m_chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(str(params.get("channel", "")))
        kept = [m for m in self.state.messages.get(channel, []) if m["ts"] != params.get("ts")]
        self.state.messages[channel] = kept
        return {"ok": True, "channel": channel, "ts": params.get("ts")}

    def _m_chat_getPermalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel", "")
        ts = str(params.get("message_ts", "")).replace(".", "")
        return {
            "ok": True,
            "channel": channel,
            "permalink": f"https://opsbot-demo.slack.com/archives/{channel}/p{ts}",
        }

    def _m_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        users = str(params.get("users", "")).split(",")
        return {"ok": True, "channel": {"id": self._resolve_channel(users[0])}}

    def _m_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Top-level messages, newest first; metadata only with include_all_metadata."""
        channel = self._resolve_channel(str(params.get("channel", "")))
        limit = int(params.get("limit") or 100)
        found = [m for m in self.state.messages.get(channel, []) if not m.get("thread_ts")]
        return {"ok": True, "messages": self._listed(found[::-1][:limit], params)}

    def _m_conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        """A thread's parent and replies, oldest first."""
        channel = self._resolve_channel(str(params.get("channel", "")))
        ts = params.get("ts")
        found = [
            m
            for m in self.state.messages.get(channel, [])
            if m["ts"] == ts or m.get("thread_ts") == ts
        ]
        return {"ok": True, "messages": self._listed(found, params)}

    def _listed(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> list[Any]:
        include = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        return [m if include else {k: v for k, v in m.items() if k != "metadata"} for m in messages]

    def _m_conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.state.channels.get(str(params.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": channel}

    def _m_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = str(params.get("user", ""))
        user = self.state.users.get(user_id)
        if user is None:
            user = {
                "id": user_id,
                "name": user_id.lower(),
                "real_name": user_id,
                "tz": "UTC",
                "is_admin": False,
            }
        return {"ok": True, "user": user}

    def _m_usergroups_users_update(self, params: dict[str, Any]) -> dict[str, Any]:
        """Replace a user group's members (Slack refuses an empty list)."""
        group = self.state.usergroups.get(str(params.get("usergroup", "")))
        if group is None:
            return {"ok": False, "error": "no_such_subteam"}
        users = [u for u in str(params.get("users", "")).split(",") if u]
        if not users:
            return {"ok": False, "error": "no_users_provided"}
        group["users"] = users
        return {"ok": True, "usergroup": {**group, "users": list(users)}}

    def _m_usergroups_list(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "usergroups": list(self.state.usergroups.values())}

    def _store_view(self, view: Any, view_id: str | None = None) -> dict[str, Any]:
        stored = dict(json.loads(view) if isinstance(view, str) else view)
        stored["id"] = view_id or f"V{next(self._ids):08d}"
        self.state.views[stored["id"]] = stored
        return {"ok": True, "view": stored}

    def _m_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        return self._store_view(params.get("view"))

    def _m_views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._m_views_open(params)

    def _m_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._store_view(params.get("view"), params.get("view_id"))

    def _m_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._store_view(params.get("view"), f"VHOME{params.get('user_id')}")

    def _m_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ids):08d}"
        self.state.uploads[file_id] = {
            "filename": params.get("filename"),
            "length": params.get("length"),
            "content": b"",
        }
        return {"ok": True, "upload_url": f"{self.url}upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        files = _as_list(params.get("files"))
        for entry in files:
            upload = self.state.uploads.get(entry.get("id"))
            if upload is None:
                return {"ok": False, "error": "file_not_found"}
            upload.update(title=entry.get("title"), channel=params.get("channel_id"))
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def _m_reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    # -- HTTP plumbing -------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                path = urlparse(self.path).path
                if path.startswith("/upload/"):
                    file_id = path.rsplit("/", 1)[1]
                    with fake._lock:
                        if file_id in fake.state.uploads:
                            fake.state.uploads[file_id]["content"] = raw
                    fake._record(ApiCall("upload", {"file_id": file_id, "size": len(raw)}))
                    self._answer(200, b"OK - " + str(len(raw)).encode(), "text/plain")
                    return
                if path.startswith("/respond/"):
                    params = json.loads(raw or b"{}")
                    params["response_url"] = path
                    fault = fake._take_fault("response_url", params)
                    if fault is not None and fault.error is None:
                        fake._record(ApiCall("response_url", params, status=fault.status))
                        after = {"Retry-After": str(fault.retry_after or 1)}
                        self._answer(fault.status, b"rate_limited", "text/plain", after)
                        return
                    error = fault.error if fault is not None else None
                    if error is None and fake.unknown_files(params.get("blocks")):
                        error = "invalid_blocks"
                    if error is not None:
                        fake._record(ApiCall("response_url", params, status=404))
                        refused = json.dumps({"ok": False, "error": error}).encode()
                        self._answer(404, refused, "application/json")
                        return
                    fake._record(ApiCall("response_url", params))
                    self._answer(200, b"ok", "text/plain")
                    return
                method = path.removeprefix("/api/")
                params = _parse_body(raw, self.headers.get("Content-Type", ""))
                params.update({k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()})
                for arrival in list(fake.arrival_listeners):
                    arrival(ApiCall(method, params))
                fault = fake._take_fault(method, params)
                if fault is not None and fault.error is None:
                    fake._record(ApiCall(method, params, status=fault.status))
                    headers = (
                        {"Retry-After": str(fault.retry_after)}
                        if fault.retry_after is not None
                        else {}
                    )
                    self._answer(
                        fault.status,
                        b'{"ok":false,"error":"ratelimited"}',
                        "application/json",
                        headers,
                    )
                    return
                if fault is not None:
                    answer: dict[str, Any] = {"ok": False, "error": fault.error}
                else:
                    auth = self.headers.get("Authorization", "")
                    token = auth.removeprefix("Bearer ").strip() or params.get("token")
                    answer = fake.handle(method, params, token)
                status = 200 if answer.get("ok") else 400
                fake._record(ApiCall(method, params, status=status, answer=answer))
                self._answer(200, json.dumps(answer).encode(), "application/json")

            def _answer(
                self,
                status: int,
                body: bytes,
                content_type: str,
                headers: dict[str, str] | None = None,
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

        return Handler


def _parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if "json" in content_type:
        return json.loads(raw)
    params: dict[str, Any] = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
    for key in ("blocks", "attachments", "view", "files"):
        if isinstance(params.get(key), str):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(params[key])
    return params


def _images(node: Any) -> list[dict[str, Any]]:
    """Every image (block or element) with a `slack_file` in a Block Kit tree."""
    if isinstance(node, list):
        return [image for item in node for image in _images(item)]
    if not isinstance(node, dict):
        return []
    found = (
        [node] if node.get("type") == "image" and isinstance(node.get("slack_file"), dict) else []
    )
    return found + [image for value in node.values() for image in _images(value)]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return json.loads(value)
    return list(value)
