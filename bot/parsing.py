"""Small building blocks shared by every command grammar.

Slack sends `&`, `<`, `>` typed by users as entities; with `should_escape` on it
sends users and channels as `<@U…|name>` and `<#C…|name>`.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

_USER_REF = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_CHANNEL_REF = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
_BARE_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_BARE_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
_DATE_VALUE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_WORD = re.compile(r"^\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:[zZ]|[+-]\d{2}(?::?\d{2})?)?$")
_MOMENT = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<micro>\d{1,6}))?)?)?"
    r" ?(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)?$",
    re.IGNORECASE,
)
_DAYS_AGO = {"today": 0, "yesterday": 1}
MOMENT_FORMATS = (
    "2026-12-01, 2026-12-01 08:00 or 2026-12-01T08:00 (an offset such as +01:00 or Z "
    "may follow), today or yesterday"
)


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
    """Separate `key=value` words whose key is in `known` from the other words. A date
    value followed by a time word is one value: `at=2026-12-01 08:00`."""
    positional: list[str] = []
    options: dict[str, str] = {}
    joins_time: str | None = None
    for word in split_words(text):
        key, sep, value = word.partition("=")
        if joins_time is not None and not sep and _TIME_WORD.match(word):
            options[joins_time] += " " + word
            joins_time = None
            continue
        joins_time = None
        if sep and key.lower() in known:
            options[key.lower()] = value
            joins_time = key.lower() if _DATE_VALUE.match(value) else None
        else:
            positional.append(word)
    return Words(positional, options)


class MomentError(ValueError):
    """A time that cannot be read; the message says how to write one."""


@dataclass(frozen=True)
class Moment:
    """A time as typed, before it is placed in the caller's timezone and day: a wall-clock
    time (`wall` naive), an exact time (`wall` with an offset), or midnight `days_ago`
    days before the caller's today (`today`, `yesterday`)."""

    text: str
    wall: datetime | None = None
    days_ago: int = 0

    def resolve(self, tz: tzinfo, now: datetime) -> datetime:
        """The moment in UTC, reading wall-clock times and days in `tz`."""
        if self.wall is None:
            day = now.astimezone(tz).date() - timedelta(days=self.days_ago)
            return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
        if self.wall.tzinfo is None:
            return self.wall.replace(tzinfo=tz).astimezone(UTC)
        return self.wall.astimezone(UTC)


def read_moment(text: str) -> Moment:
    """`2026-12-01`, `2026-12-01 08:00`, `2026-12-01T08:00`, either with seconds and with an
    offset or `Z`, `today` or `yesterday` → a Moment; MomentError otherwise."""
    typed = " ".join(text.split())
    if typed.lower() in _DAYS_AGO:
        return Moment(typed, days_ago=_DAYS_AGO[typed.lower()])
    match = _MOMENT.match(typed)
    try:
        if not match:
            raise ValueError(typed)
        day = date.fromisoformat(match["date"])
        clock = time(
            int(match["hour"] or 0),
            int(match["minute"] or 0),
            int(match["second"] or 0),
            int((match["micro"] or "0").ljust(6, "0")),
        )
        return Moment(typed, wall=datetime.combine(day, clock, tzinfo=_offset(match["offset"])))
    except ValueError:
        raise MomentError(f"`{text}` is not a time; write {MOMENT_FORMATS}.") from None


def _offset(text: str | None) -> timezone | None:
    if text is None:
        return None
    if text.upper() == "Z":
        return UTC
    digits = text[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    if delta > timedelta(hours=14) or int(digits[2:] or 0) >= 60:
        raise ValueError(text)
    return timezone(-delta if text[0] == "-" else delta)


def parse_moment(text: str, tz: tzinfo, now: datetime) -> datetime:
    """A time as SPEC writes it (see read_moment), in UTC; without an offset it is read in
    `tz`, and `today`/`yesterday` are the days of `now` in `tz` (at midnight)."""
    return read_moment(text).resolve(tz, now)


_DURATION = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


def parse_duration(text: str) -> timedelta | None:
    """`90m`, `1h30m`, `2h`, `1d`, `1d12h`, `1w` → a timedelta; None when it is not one (or
    zero). In a duration `m` is minutes (in a period, `bot.periods`, it is months)."""
    match = _DURATION.match(text.strip().lower().replace(" ", ""))
    if not match or not any(match.groups()):
        return None
    weeks, days, hours, minutes = (int(part or 0) for part in match.groups())
    duration = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
    return duration if duration > timedelta(0) else None
