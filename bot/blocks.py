"""The one way to build Slack messages, modals and App Home views.

`render("messages/ops_help", **ctx)` renders `templates/messages/ops_help.json.j2`
and returns the parsed JSON. Every `{{ value }}` in a template is escaped for
mrkdwn (`&`, `<`, `>`) and for a JSON string, so user text can neither ping
`@channel` nor forge links nor break the JSON. Trusted mrkdwn (mentions, links
built here) is wrapped in `Mrkdwn`; whole JSON values use the `json` filter.

The one way of writing each thing, as filters: `slack_time` (a moment in the reader's own
timezone), `day` (a calendar date, `Mon 7 Dec`), `long_day` (a date in a heading,
`Monday 7 December 2026`), `clock` (a configured wall-clock time of a schedule, `07:45`),
`duration` (`1h 5m`), `mentions` (typed text whose user and channel mentions stay mentions),
`user`, `channel`, `link`, `number` (`1,234.5`), and a KPI's numbers with its unit (bot.formats):
`amount` (`value|amount(unit)`: `4.1%`, `51 orders`), `delta` (`change|delta(unit)`: `↑ 2 orders`,
`↓ 0.4%`) and `target` (`value|target(better, unit)`: `≥ 95%`, `≤ 25 orders`). Templates never
call `strftime` or write a unit, an arrow or `≥` next to a number themselves.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time
from functools import cache, lru_cache
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.durations import format_duration
from bot.formats import (
    day,
    format_amount,
    format_delta,
    format_number,
    format_target,
    long_day,
    plain_number,
)

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
VALIDATED_SOURCES = 1024
_USER_ID = re.compile(r"^[UWB][A-Z0-9]+$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]+$")
# A user or channel mention as it reads once escaped: `&lt;@U123|name&gt;`, `&lt;#C123&gt;`.
_ESCAPED_MENTION = re.compile(r"&lt;(@[UW][A-Z0-9]+|#[CG][A-Z0-9]+)(?:\|[^&]*)?&gt;")
SLACK_TIME_FORMAT = "{date_short_pretty} at {time}"


class BlockKitError(ValueError):
    """A rendered template is not valid Block Kit."""


class Mrkdwn(str):
    """Text that is already safe mrkdwn; only JSON-escaped on output."""


class JSONValue(str):
    """A complete JSON value; inserted as it is."""


def escape_mrkdwn(text: str) -> str:
    """Escape the three characters Slack treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _json_string_body(text: str) -> str:
    # What json.dumps(text, ensure_ascii=False) writes, without building an encoder per value.
    return encode_basestring(text)[1:-1]


def _finalize(value: Any) -> str:
    if isinstance(value, JSONValue):
        return value
    if value is None:
        return ""
    if isinstance(value, Mrkdwn):
        return _json_string_body(value)
    return _json_string_body(escape_mrkdwn(str(value)))


def _json(value: Any) -> JSONValue:
    return JSONValue(json.dumps(value, ensure_ascii=False, default=str))


def _user(user_id: str | None) -> Mrkdwn:
    if not user_id:
        return Mrkdwn("nobody")
    if not _USER_ID.match(user_id):
        return Mrkdwn(escape_mrkdwn(user_id))
    return Mrkdwn(f"<@{user_id}>")


def _channel(channel_id: str | None) -> Mrkdwn:
    if not channel_id or not _CHANNEL_ID.match(channel_id):
        return Mrkdwn(escape_mrkdwn(channel_id or "no channel"))
    return Mrkdwn(f"<#{channel_id}>")


def _link(url: str | None, label: str) -> Mrkdwn:
    if not url or not url.startswith(("https://", "http://")):
        return Mrkdwn(escape_mrkdwn(label))
    safe_url = escape_mrkdwn(url).replace("|", "%7C")
    return Mrkdwn(f"<{safe_url}|{escape_mrkdwn(label)}>")


def _truncate(text: Any, limit: int) -> str:
    value = "" if text is None else str(text)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _mentions(text: str | None) -> Mrkdwn:
    """Typed text escaped for mrkdwn, except that user and channel mentions stay mentions
    (`<@U123|name>` → `<@U123>`); `<!channel>`, links and any other `<…>` stay inert."""
    return Mrkdwn(_ESCAPED_MENTION.sub(r"<\1>", escape_mrkdwn(text or "")))


def _clock(t: time | None) -> str:
    """A configured wall-clock time (a schedule, named with its zone where it has one): `07:45`."""
    if t is None:
        return "—"
    return f"{t:%H:%M}"


def _slack_time(moment: datetime | None) -> Mrkdwn:
    """A moment shown by Slack in the reader's own timezone (`today at 13:45`), with a
    fallback in UTC (`Mon 7 Dec 13:45 UTC`) for clients that cannot format dates."""
    if moment is None:
        return Mrkdwn("—")
    utc = moment.astimezone(UTC)
    fallback = f"{day(utc)} {utc:%H:%M} UTC"
    return Mrkdwn(f"<!date^{int(utc.timestamp())}^{SLACK_TIME_FORMAT}|{fallback}>")


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,
        # Templates ship with the code: no need to stat their files on every render.
        auto_reload=False,
    )
    env.filters.update(
        json=_json,
        user=_user,
        channel=_channel,
        link=_link,
        truncate_text=_truncate,
        slack_time=_slack_time,
        day=day,
        long_day=long_day,
        clock=_clock,
        duration=format_duration,
        mentions=_mentions,
        number=format_number,
        plain=plain_number,
        amount=format_amount,
        delta=format_delta,
        target=format_target,
        mrkdwn=lambda text: Mrkdwn(escape_mrkdwn(str(text))),
    )
    return env


def render(name: str, **context: Any) -> dict[str, Any]:
    """Render `templates/<name>.json.j2` and check the result as Block Kit."""
    source = _environment().get_template(f"{name}.json.j2").render(**context)
    try:
        payload = json.loads(source)
    except json.JSONDecodeError as exc:
        raise BlockKitError(f"{name} rendered invalid JSON: {exc}") from exc
    _validate_source(source, name)
    return payload


@lru_cache(maxsize=VALIDATED_SOURCES)
def _validate_source(source: str, name: str) -> None:
    """Validate rendered JSON once: checking Block Kit through slack_sdk's models costs more
    than the rest of a request, and the same text (a help message, a list asked for again
    within the minute) is as valid the second time."""
    validate(json.loads(source), name=name)


def validate(payload: dict[str, Any], *, name: str = "payload") -> None:
    """Check a message or view against Block Kit's limits (slack_sdk's models plus block counts)."""
    try:
        if "type" in payload:  # a modal or App Home view
            if len(payload.get("blocks", [])) > MAX_VIEW_BLOCKS:
                raise BlockKitError(f"{name} has more than {MAX_VIEW_BLOCKS} blocks")
            View(**payload).to_dict()
            return
        blocks = payload.get("blocks", [])
        if len(blocks) > MAX_MESSAGE_BLOCKS:
            raise BlockKitError(
                f"{name} has {len(blocks)} blocks; a message allows {MAX_MESSAGE_BLOCKS}"
            )
        if not payload.get("text"):
            raise BlockKitError(f"{name} has no fallback text")
        for block in Block.parse_all(blocks):
            block.to_dict()
    except BlockKitError:
        raise
    except Exception as exc:  # slack_sdk raises several error types for bad blocks
        raise BlockKitError(f"{name} is not valid Block Kit: {exc}") from exc
