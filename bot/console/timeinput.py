"""The times typed at the console: `:advance 1d|2h|30m|1h30m` and `:at [YYYY-MM-DD] HH:MM`."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services.schedule import ScheduleValueError, occurrence, parse_time

MAX_ADVANCE = timedelta(days=31)
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")
DURATION_USAGE = ":advance 1d, :advance 2h, :advance 30m or :advance 1h30m"
MOMENT_USAGE = ":at 2026-03-02 08:45 or :at 08:45 (your own timezone)"


class TimeInputError(ValueError):
    """A duration or moment that cannot be understood; the message says how to write it."""


def parse_duration(text: str) -> timedelta:
    """`1d`, `2h`, `30m` or combinations such as `1h30m` → a positive duration."""
    match = _DURATION.match(text.strip().lower())
    if not text.strip() or not match:
        raise TimeInputError(f"`{text}` is not a duration; use {DURATION_USAGE}.")
    days, hours, minutes = (int(part or 0) for part in match.groups())
    duration = timedelta(days=days, hours=hours, minutes=minutes)
    if not duration:
        raise TimeInputError(f"`{text}` does not move the clock; use {DURATION_USAGE}.")
    if duration > MAX_ADVANCE:
        raise TimeInputError("The clock moves at most 31 days at a time.")
    return duration


def parse_moment(text: str, *, zone: ZoneInfo, now: datetime) -> datetime:
    """`YYYY-MM-DD HH:MM` in `zone`, or `HH:MM` meaning its next occurrence after `now`."""
    words = text.split()
    try:
        if len(words) == 2:
            day = date.fromisoformat(words[0])
            return occurrence(day, parse_time(words[1]), zone)
        if len(words) == 1:
            at = parse_time(words[0])
            today = now.astimezone(zone).date()
            moment = occurrence(today, at, zone)
            return moment if moment > now else occurrence(today + timedelta(days=1), at, zone)
    except (ScheduleValueError, ValueError):
        pass
    raise TimeInputError(f"`{text}` is not a time; use {MOMENT_USAGE}.")
