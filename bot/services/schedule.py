"""When scheduled things happen: day lists, local times, timezones and occurrences.

Rules (tested in tests/services/test_schedule.py):
- A time is wall-clock time in the schedule's IANA zone.
- On a spring-forward day a time inside the gap (02:30 in Europe/Berlin) still
  happens once, at the same distance from the previous midnight offset (03:30).
- On a fall-back day an ambiguous time happens once, at its first occurrence;
  the ledger, keyed by local date, makes a second run impossible anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))
DAYS_USAGE = "days=mon-fri, days=mon,wed,fri, days=weekdays or days=daily"
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class ScheduleValueError(ValueError):
    """A day list, time or timezone that cannot be understood; the message says why."""


def parse_days(text: str) -> frozenset[int]:
    """`mon-fri`, `mon,wed,fri`, `mon-sun`, `weekdays`, `daily` → weekday numbers (Mon=0)."""
    value = text.strip().lower()
    if value == "weekdays":
        return WEEKDAYS
    if value in ("daily", "everyday"):
        return EVERY_DAY
    days: set[int] = set()
    for part in filter(None, value.split(",")):
        start, dash, end = part.partition("-")
        if start not in DAY_NAMES or (dash and end not in DAY_NAMES):
            raise ScheduleValueError(f"`{text}` is not a day list; use {DAYS_USAGE}")
        first = DAY_NAMES.index(start)
        last = DAY_NAMES.index(end) if dash else first
        span = (last - first) % 7
        days.update((first + offset) % 7 for offset in range(span + 1))
    if not days:
        raise ScheduleValueError(f"`{text}` is not a day list; use {DAYS_USAGE}")
    return frozenset(days)


def format_days(days: frozenset[int]) -> str:
    if days == EVERY_DAY:
        return "daily"
    if days == WEEKDAYS:
        return "mon-fri"
    return ",".join(DAY_NAMES[d] for d in sorted(days))


def parse_time(text: str) -> time:
    """`HH:MM` on a 24-hour clock."""
    match = _TIME.match(text.strip())
    if not match:
        raise ScheduleValueError(f"`{text}` is not a time; use 24-hour HH:MM such as 08:30")
    return time(int(match.group(1)), int(match.group(2)))


@cache
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def parse_timezone(text: str) -> ZoneInfo:
    """An IANA zone name such as `Europe/Berlin`, in any letter case (commands are
    case-insensitive); the zone keeps its canonical name."""
    name = _zone_names().get(text.strip().lower())
    if name is None:
        raise ScheduleValueError(
            f"`{text}` is not a timezone; use an IANA name such as Europe/Berlin or America/Chicago"
        )
    return ZoneInfo(name)


def occurrence(local_date: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall time `at` on `local_date` in `zone` (see the module rules)."""
    return datetime.combine(local_date, at, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Occurrence:
    local_date: date
    at: datetime  # UTC


def latest_occurrence(
    now: datetime, *, at: time, zone: ZoneInfo, days: frozenset[int], not_before: datetime
) -> Occurrence | None:
    """The most recent occurrence at or before `now` and not before `not_before`, if any."""
    today = now.astimezone(zone).date()
    for back in range(8):
        local_date = today - timedelta(days=back)
        if local_date.weekday() not in days:
            continue
        moment = occurrence(local_date, at, zone)
        if moment <= now:
            return Occurrence(local_date, moment) if moment >= not_before else None
    return None


def next_occurrence(
    now: datetime, *, at: time, zone: ZoneInfo, days: frozenset[int]
) -> Occurrence | None:
    """The first occurrence strictly after `now`."""
    today = now.astimezone(zone).date()
    for ahead in range(8):
        local_date = today + timedelta(days=ahead)
        if local_date.weekday() in days:
            moment = occurrence(local_date, at, zone)
            if moment > now:
                return Occurrence(local_date, moment)
    return None
