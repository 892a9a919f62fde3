"""What Slack would show, as terminal text.

Replies, channel posts, DMs, thread replies, updates, modals, Home tabs and uploaded
files become readable lines; every button and select in them gets a number so that
`:click N` can press it, and every message that stays in a conversation is kept in order
so that `:shortcut N` can run a message shortcut on it. Slack's mrkdwn entities are turned
back into what a person sees: `&lt;` becomes `<`, `<@U…>` becomes `@handle`, `<#C…>`
becomes `#name`.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.console.dates import format_slack_date
from bot.standin.server import ApiCall, FakeSlack

INDENT = "  "
THREAD_INDENT = "    │ "
DIVIDER = "─" * 40
CLICKABLE = frozenset(
    {
        "button",
        "static_select",
        "external_select",
        "overflow",
        "users_select",
        "conversations_select",
        "channels_select",
        "datepicker",
        "timepicker",
        "radio_buttons",
        "checkboxes",
    }
)
_ENTITY = re.compile(r"<([^<>\n]+)>")


@dataclass(frozen=True)
class Control:
    """A numbered button or select, and where it was shown (a message or a view). `holder`
    names that message or view: when it is redrawn, its old controls are gone."""

    number: int
    element: dict[str, Any]
    block_id: str
    holder: str
    channel: str | None = None
    message: dict[str, Any] | None = None
    view: dict[str, Any] | None = None


@dataclass(frozen=True)
class ShownMessage:
    """A message shown in a conversation (a post, DM, thread reply or updated message; not
    a reply only its caller sees, which has no message shortcuts in Slack)."""

    channel: str
    message: dict[str, Any]
    label: str


@dataclass
class Screen:
    """What one input (or one clock step) made appear. Its controls are numbered from
    `first_number`; `redrawn` holds the messages and views it updated, replaced or deleted
    (`ORIGINAL` for the message whose button was pressed)."""

    lines: list[str] = field(default_factory=list)
    controls: list[Control] = field(default_factory=list)
    modals: list[dict[str, Any]] = field(default_factory=list)
    messages: list[ShownMessage] = field(default_factory=list)
    redrawn: set[str] = field(default_factory=set)
    first_number: int = 1

    def text(self) -> str:
        return "\n".join(self.lines)


ORIGINAL = "original"


@dataclass(frozen=True)
class _Where:
    """Where blocks are shown: the conversation, message or view their controls act on,
    the holder of those controls, and whose screen it is (dates are shown in their zone)."""

    reader: str | None = None
    channel: str | None = None
    message: dict[str, Any] | None = None
    view: dict[str, Any] | None = None
    numbered: bool = True
    holder: str = ""


def _as_blocks(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if isinstance(value, str):
        return json.loads(value)
    return list(value)


def _as_view(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def _answered_view(call: ApiCall) -> dict[str, Any]:
    """The view as Slack stored it (with its id), or as the app sent it."""
    return dict((call.answer or {}).get("view") or _as_view(call.get("view")))


def plain(element: dict[str, Any] | None) -> str:
    """The text of a text object (plain_text or mrkdwn), without formatting."""
    return str((element or {}).get("text") or "")


def _message_holder(channel: str, message: dict[str, Any] | None) -> str:
    return f"{channel}/{message['ts']}" if message and message.get("ts") else ""


def reader_of(channel: str | None, viewer: str) -> str:
    """Whose screen a message in `channel` is on: a DM's recipient, else the viewer."""
    return "U" + channel[1:] if channel and channel.startswith("D") else viewer


class Renderer:
    """Turns the stand-in's recorded Web API calls and the app's ack replies into a Screen."""

    def __init__(self, slack: FakeSlack, *, output_dir: Path, clock: Clock) -> None:
        self.slack = slack
        self.output_dir = output_dir
        self.clock = clock
        self._replies = itertools.count(1)

    # -- names ---------------------------------------------------------------
    def user(self, user_id: str, label: str = "") -> str:
        known = self.slack.state.users.get(user_id)
        return "@" + (known["name"] if known else label or user_id)

    def channel(self, channel_id: str | None, label: str = "") -> str:
        if not channel_id:
            return "#unknown"
        if channel_id.startswith("D"):
            return "DM with " + self.user("U" + channel_id[1:])
        known = self.slack.state.channels.get(channel_id)
        return "#" + (known["name"] if known else label or channel_id)

    def zone(self, user_id: str) -> ZoneInfo:
        known = self.slack.state.users.get(user_id) or {}
        return ZoneInfo(str(known.get("tz") or "UTC"))

    def display(self, text: str, reader: str | None = None) -> str:
        """mrkdwn as a person reads it: mentions by name, links with their address, dates
        as Slack formats them for `reader` (without one, their fallback text)."""

        def entity(match: re.Match[str]) -> str:
            target, _, label = match.group(1).partition("|")
            if target.startswith("@"):
                return self.user(target[1:], label)
            if target.startswith("#"):
                return self.channel(target[1:], label)
            if target.startswith("!subteam^"):
                group = self.slack.state.usergroups.get(target.removeprefix("!subteam^"))
                return label or ("@" + str(group["handle"]) if group else "@group")
            if target.startswith("!date^"):
                if reader is None:
                    return label
                shown = format_slack_date(target, zone=self.zone(reader), now=self.clock.now())
                return label if shown is None else shown
            if target.startswith("!"):
                return "@" + target[1:]
            return f"{label} ({target})" if label and label != target else target

        replaced = _ENTITY.sub(entity, text)
        return replaced.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

    # -- what happened ---------------------------------------------------------
    def reply(
        self, screen: Screen, payload: dict[str, Any], *, channel: str | None, viewer: str
    ) -> None:
        """The message in an ack (or a response_url post): only the caller sees it unless
        it is `in_channel`."""
        if payload.get("delete_original"):
            screen.redrawn.add(ORIGINAL)
            screen.lines.append(f"▸ {self.channel(channel)} · the message was deleted")
            return
        if not (payload.get("text") or payload.get("blocks")):
            return
        if payload.get("response_type") == "in_channel":
            title = f"{self.channel(channel)} · {self.user(viewer)} (visible to everyone)"
        else:
            title = "Only visible to you"
        if payload.get("replace_original"):
            screen.redrawn.add(ORIGINAL)
            title += " · replaces the message"
        where = _Where(reader=viewer, channel=channel, holder=f"reply-{next(self._replies)}")
        self._message(screen, title, payload, where)

    def call(self, screen: Screen, call: ApiCall, *, viewer: str, channel: str | None) -> None:
        """One Web API call the app made, as the person at the console would notice it."""
        method = call.method
        if method == "chat.postMessage":
            self._posted(screen, call, viewer=viewer)
        elif method == "chat.postEphemeral":
            user = str(call.get("user"))
            who = "you" if user == viewer else self.user(user)
            where = _Where(
                reader=user, channel=str(call.get("channel")), holder=f"reply-{next(self._replies)}"
            )
            self._message(
                screen, f"{self.channel(where.channel)} · only visible to {who}", call.params, where
            )
        elif method == "chat.update":
            updated = str(call.get("channel"))
            message = self._stored(updated, str(call.get("ts")))
            holder = f"{updated}/{call.get('ts')}"
            screen.redrawn.add(holder)
            where = _Where(
                reader=reader_of(updated, viewer), channel=updated, message=message, holder=holder
            )
            self._message(screen, f"{self.channel(where.channel)} · updated", call.params, where)
        elif method == "chat.delete":
            screen.redrawn.add(f"{call.get('channel')}/{call.get('ts')}")
            screen.lines.append(f"▸ {self.channel(str(call.get('channel')))} · a message deleted")
        elif method == "response_url":
            self.reply(screen, call.params, channel=channel, viewer=viewer)
        elif method in ("views.open", "views.push", "views.update"):
            self._modal_or_home(screen, _answered_view(call), viewer=viewer)
        elif method == "views.publish":
            self.home(screen, _answered_view(call), user_id=str(call.get("user_id")))
        elif method == "files.completeUploadExternal":
            self._files(screen, call, viewer=viewer)
        elif method == "reactions.add":
            screen.lines.append(
                f"▸ {self.channel(str(call.get('channel')))} · Opsbot reacted :{call.get('name')}:"
            )

    def modal(self, screen: Screen, view: dict[str, Any], *, viewer: str) -> None:
        """A modal's title and its read-only blocks (its inputs are asked one by one)."""
        screen.lines.append(f"▸ Modal “{plain(view.get('title'))}”")
        shown = [b for b in _as_blocks(view.get("blocks")) if b.get("type") != "input"]
        self._blocks(screen, shown, _Where(reader=viewer, numbered=False), INDENT)

    def confirm(self, screen: Screen, confirm: dict[str, Any], *, viewer: str) -> None:
        """A button's confirmation dialog (Slack's `confirm` object): its title and text."""
        screen.lines.append(f"▸ Dialog “{self.display(plain(confirm.get('title')), viewer)}”")
        self._text(screen, plain(confirm.get("text")), _Where(reader=viewer), INDENT)

    def home(self, screen: Screen, view: dict[str, Any], *, user_id: str, note: str = "") -> None:
        """A Home tab, its buttons numbered (a click comes from the view, as in Slack)."""
        holder = str(view.get("id") or f"VHOME{user_id}")
        screen.redrawn.add(holder)
        screen.lines.append(f"▸ Home tab of {self.user(user_id)}{note}")
        where = _Where(reader=user_id, view=view, holder=holder)
        self._blocks(screen, _as_blocks(view.get("blocks")), where, INDENT)

    def _modal_or_home(self, screen: Screen, view: dict[str, Any], *, viewer: str) -> None:
        if view.get("type") == "home":
            self.home(screen, view, user_id=viewer)
            return
        screen.modals.append(view)

    def _posted(self, screen: Screen, call: ApiCall, *, viewer: str) -> None:
        answer = call.answer or {}
        channel = str(answer.get("channel") or call.get("channel"))
        thread_ts = call.get("thread_ts")
        message = answer.get("message")
        where = _Where(
            reader=reader_of(channel, viewer),
            channel=channel,
            message=message,
            holder=_message_holder(channel, message) or f"reply-{next(self._replies)}",
        )
        if channel.startswith("D"):
            title = "DM to " + self.user("U" + channel[1:])
        else:
            title = self.channel(channel)
        if not thread_ts:
            self._message(screen, title, call.params, where)
            return
        parent = self._stored(channel, str(thread_ts))
        excerpt = self.display(str((parent or {}).get("text") or ""), where.reader)
        excerpt = excerpt.split("\n")[0]
        if len(excerpt) > 60:
            excerpt = excerpt[:59] + "…"
        self._message(
            screen, f"{title} · reply in thread “{excerpt}”", call.params, where, THREAD_INDENT
        )

    def _files(self, screen: Screen, call: ApiCall, *, viewer: str) -> None:
        channel = str(call.get("channel_id") or "")
        if not channel:  # uploaded, shared nowhere: seen only where a message shows it
            return
        comment = call.get("initial_comment")
        for entry in _as_blocks(call.get("files")):
            upload = self.slack.state.uploads.get(entry.get("id"), {})
            path = self._saved(str(entry.get("id")))
            title = entry.get("title") or upload.get("filename") or "file"
            screen.lines.append(f"▸ {self.channel(channel)} · file “{title}” saved to {path}")
            if comment:
                where = _Where(reader=reader_of(channel, viewer))
                self._text(screen, str(comment), where, INDENT)

    def _saved(self, file_id: str) -> Path | None:
        """An uploaded file written to the console's output folder, to be opened there."""
        upload = self.slack.state.uploads.get(file_id)
        if upload is None:
            return None
        filename = Path(str(upload.get("filename") or "file"))
        name = filename.stem or "file"
        # A report's CSV and PDF keep their kind; charts (and files without one) are PNGs.
        suffix = filename.suffix.lower() if filename.suffix.lower() in (".csv", ".pdf") else ".png"
        path = self.output_dir / f"{file_id}-{_safe(name)}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.slack.upload_bytes(file_id))
        return path

    def _stored(self, channel: str, ts: str) -> dict[str, Any] | None:
        for message in self.slack.messages_in(channel):
            if message["ts"] == ts:
                return message
        return None

    # -- Block Kit -------------------------------------------------------------
    def _message(
        self,
        screen: Screen,
        title: str,
        payload: dict[str, Any],
        where: _Where,
        indent: str = INDENT,
    ) -> None:
        screen.lines.append(f"▸ {title}")
        if where.channel and where.message:
            label = self.channel(where.channel)
            if where.message.get("thread_ts") not in (None, where.message.get("ts")):
                label += " (thread)"
            screen.messages.append(ShownMessage(where.channel, where.message, label))
        blocks = _as_blocks(payload.get("blocks"))
        if blocks:
            self._blocks(screen, blocks, where, indent)
        else:
            self._text(screen, str(payload.get("text") or ""), where, indent)

    def _text(self, screen: Screen, text: str, where: _Where, indent: str) -> None:
        shown = self.display(text, where.reader)
        screen.lines.extend(indent + line for line in shown.split("\n"))

    def _blocks(
        self, screen: Screen, blocks: list[dict[str, Any]], where: _Where, indent: str
    ) -> None:
        for block in blocks:
            kind = block.get("type")
            if kind == "header":
                title = self.display(plain(block.get("text")), where.reader)
                screen.lines += [indent + title, indent + "═" * len(title)]
            elif kind == "section":
                self._section(screen, block, where, indent)
            elif kind == "divider":
                screen.lines.append(indent + DIVIDER)
            elif kind == "context":
                parts = [self._context_part(e) for e in block.get("elements", [])]
                self._text(screen, "  ·  ".join(parts), where, indent + "  ")
            elif kind == "image":
                screen.lines.append(indent + self._image(block))
            elif kind == "actions":
                labels = [self._control(screen, e, block, where) for e in block.get("elements", [])]
                screen.lines.append(indent + "  ".join(labels))
            elif kind == "rich_text":
                self._text(screen, "".join(_rich_text(block)), where, indent)
            elif kind == "input":
                label = plain(block.get("label"))
                screen.lines.append(indent + f"[input: {label}]")

    def _section(self, screen: Screen, block: dict[str, Any], where: _Where, indent: str) -> None:
        if block.get("text"):
            self._text(screen, plain(block["text"]), where, indent)
        for item in block.get("fields", []):
            self._text(screen, "• " + " ".join(plain(item).split("\n")), where, indent)
        accessory = block.get("accessory")
        if accessory and accessory.get("type") == "image":
            screen.lines.append(indent + self._image(accessory))
        elif accessory:
            screen.lines.append(indent + self._control(screen, accessory, block, where))

    def _context_part(self, element: dict[str, Any]) -> str:
        if element.get("type") == "image":
            return f"[image: {element.get('alt_text', '')}]"
        return plain(element)

    def _image(self, element: dict[str, Any]) -> str:
        title = plain(element.get("title"))
        alt = element.get("alt_text", "")
        slack_file = element.get("slack_file") or {}
        url = element.get("image_url") or slack_file.get("url", "")
        if slack_file.get("id"):
            path = self._saved(str(slack_file["id"]))
            url = f"{slack_file['id']} saved to {path}" if path else f"{slack_file['id']} (missing)"
        return f"[image: {title or alt}] {url}".rstrip()

    def _control(
        self, screen: Screen, element: dict[str, Any], block: dict[str, Any], where: _Where
    ) -> str:
        label = self._control_label(element, where.reader)
        if not where.numbered or element.get("type") not in CLICKABLE:
            return f"[{label}]"
        control = Control(
            number=screen.first_number + len(screen.controls),
            element=element,
            block_id=str(block.get("block_id") or "actions"),
            holder=where.holder,
            channel=where.channel,
            message=where.message,
            view=where.view,
        )
        screen.controls.append(control)
        return f"[{control.number} {label}]"

    def _control_label(self, element: dict[str, Any], reader: str | None) -> str:
        kind = element.get("type")
        if kind == "button":
            return self.display(plain(element.get("text")), reader)
        if kind == "overflow":
            return "⋯"
        if kind == "datepicker":
            return f"{element.get('initial_date') or plain(element.get('placeholder'))} ▾"
        if kind == "users_select" and element.get("initial_user"):
            return self.user(element["initial_user"]) + " ▾"
        chosen = element.get("initial_option")
        text = plain(chosen.get("text")) if chosen else plain(element.get("placeholder"))
        return f"{text or 'Choose'} ▾"


def options_of(element: dict[str, Any]) -> list[dict[str, Any]]:
    """A select's options, flattening option groups."""
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return options


def _rich_text(node: Any) -> list[str]:
    if isinstance(node, list):
        return [text for item in node for text in _rich_text(item)]
    if not isinstance(node, dict):
        return []
    kind = node.get("type")
    if kind == "text":
        return [str(node.get("text", ""))]
    if kind == "user":
        return [f"<@{node.get('user_id')}>"]
    if kind == "channel":
        return [f"<#{node.get('channel_id')}>"]
    if kind == "link":
        return [str(node.get("text") or node.get("url") or "")]
    if kind == "emoji":
        return [f":{node.get('name')}:"]
    found = _rich_text(node.get("elements", []))
    return [*found, "\n"] if kind in ("rich_text_section", "rich_text_preformatted") else found


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "file"
