"""Small building blocks shared by every command grammar.

Slack sends `&`, `<`, `>` typed by users as entities; with `should_escape` on it
sends users and channels as `<@U…|name>` and `<#C…|name>`.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import timedelta

_USER_REF = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_CHANNEL_REF = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
_BARE_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_BARE_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")


def decode_entities(text: str) -> str:
    """Turn Slack's `&amp;`, `&lt;`, `&gt;` back into the characters the user typed.

    NUL characters are dropped: no keyboard types them and PostgreSQL cannot store them."""
    decoded = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return decoded.replace("\x00", "")


def command_text(command: dict[str, object]) -> str:
    """The text of a slash command as the user typed it."""
    return decode_entities(str(command.get("text") or "")).strip()


def parse_user_ref(token: str) -> str | None:
    """`<@U123|name>`, `<@U123>` or a bare `U123` → `U123`; anything else → None."""
    match = _USER_REF.match(token)
    if match:
        return match.group(1)
    return token if _BARE_USER_ID.match(token) else None


def parse_channel_ref(token: str) -> str | None:
    """`<#C123|name>`, `<#C123>` or a bare `C123` → `C123`; anything else → None."""
    match = _CHANNEL_REF.match(token)
    if match:
        return match.group(1)
    return token if _BARE_CHANNEL_ID.match(token) else None


@dataclass(frozen=True)
class Words:
    """A command's text split into positional words and `key=value` options."""

    positional: list[str]
    options: dict[str, str]


def split_words(text: str) -> list[str]:
    """Split on whitespace, keeping "quoted phrases" together; unbalanced quotes are kept."""
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:
        return text.split()


def split_options(text: str, known: set[str]) -> Words:
    """Separate `key=value` words whose key is in `known` from the other words."""
    positional: list[str] = []
    options: dict[str, str] = {}
    for word in split_words(text):
        key, sep, value = word.partition("=")
        if sep and key.lower() in known:
            options[key.lower()] = value
        else:
            positional.append(word)
    return Words(positional, options)


_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


def parse_duration(text: str) -> timedelta | None:
    """`90m`, `1h30m`, `2h`, `1d`, `1d12h` → a timedelta; None when it is not one (or zero)."""
    match = _DURATION.match(text.strip().lower())
    if not match or not any(match.groups()):
        return None
    days, hours, minutes = (int(part or 0) for part in match.groups())
    duration = timedelta(days=days, hours=hours, minutes=minutes)
    return duration if duration > timedelta(0) else None
