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

from rapidfuzz import fuzz, process

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


FULL_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def describe_days(days: frozenset[int]) -> str:
    """A day list as people say it: `every day`, `Monday to Friday`, `Saturday and Sunday`,
    `Monday, Wednesday and Friday` (three or more days in a row are a range)."""
    if days == EVERY_DAY:
        return "every day"
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{FULL_DAY_NAMES[run[0]]} to {FULL_DAY_NAMES[run[-1]]}")
        else:
            parts.extend(FULL_DAY_NAMES[day] for day in run)
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def parse_time(text: str) -> time:
    """`HH:MM` on a 24-hour clock."""
    match = _TIME.match(text.strip())
    if not match:
        raise ScheduleValueError(f"`{text}` is not a time; use 24-hour HH:MM such as 08:30")
    return time(int(match.group(1)), int(match.group(2)))


@cache
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def _closest_zone(text: str) -> str | None:
    """The zone `text` most likely means: a city alone (`Chicago` → America/Chicago, `new
    york` → America/New_York), else a near spelling (`Europe/Berlln`)."""
    wanted = text.strip().lower().replace(" ", "_")
    names = _zone_names()
    cities = sorted(name for key, name in names.items() if key.rsplit("/", 1)[-1] == wanted)
    if cities:
        return cities[0]
    match = process.extractOne(wanted, list(names), scorer=fuzz.ratio, score_cutoff=85)
    return names[match[0]] if match else None


def parse_timezone(text: str) -> ZoneInfo:
    """An IANA zone name such as `Europe/Berlin`, in any letter case (commands are
    case-insensitive); the zone keeps its canonical name. A wrong one is refused with the
    zone it most likely means."""
    name = _zone_names().get(text.strip().lower())
    if name is None:
        close = _closest_zone(text)
        hint = f"did you mean {close}? Use" if close else "use"
        raise ScheduleValueError(
            f"`{text}` is not a timezone; {hint} an IANA name such as Europe/Berlin or "
            "America/Chicago"
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
