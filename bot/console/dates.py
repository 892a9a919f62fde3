"""Slack's `<!date^…>` entities as Slack formats them for the person reading: in their own
timezone, `today`/`yesterday`/`tomorrow` for the pretty dates, the year only when it is not
the current one (by the console's clock)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

_TOKEN = re.compile(r"\{(\w+)\}")
_RELATIVE = {-1: "yesterday", 0: "today", 1: "tomorrow"}


def format_slack_date(entity: str, *, zone: ZoneInfo, now: datetime) -> str | None:
    """`!date^1765114200^{date_short_pretty} at {time}` (an entity without its `<…|fallback>`)
    as the reader sees it; None when it is not a date entity Slack could format."""
    parts = entity.split("^")
    if len(parts) < 3 or parts[0] != "!date" or not parts[1].lstrip("-").isdigit():
        return None
    moment = datetime.fromtimestamp(int(parts[1]), UTC).astimezone(zone)
    today = now.astimezone(zone).date()

    def token(match: re.Match[str]) -> str:
        shown = _token(match.group(1), moment, today=today, now=now)
        return match.group(0) if shown is None else shown

    return _TOKEN.sub(token, parts[2])


def _token(name: str, moment: datetime, *, today: date, now: datetime) -> str | None:
    day = moment.date()
    year = "" if day.year == today.year else f" {day.year}"
    short = f"{moment:%a} {day.day} {moment:%b}{year}"
    long = f"{moment:%A} {day.day} {moment:%B} {day.year}"
    relative = _RELATIVE.get((day - today).days)
    if name == "date_num":
        return day.isoformat()
    if name in ("date", "date_short"):
        return short
    if name == "date_long":
        return long
    if name in ("date_pretty", "date_short_pretty"):
        return relative or short
    if name == "date_long_pretty":
        return relative or long
    if name == "time":
        return f"{moment:%H:%M}"
    if name == "time_secs":
        return f"{moment:%H:%M:%S}"
    if name == "ago":
        return _ago(now - moment)
    return None


def _ago(elapsed: timedelta) -> str:
    seconds = int(elapsed.total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            amount = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {amount}" if future else f"{amount} ago"
    return "just now"
