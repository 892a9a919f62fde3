"""Holiday calendars: the days on which scheduled posts (standup reminders, huddles,
reports) do not go out.

A calendar is a country code with an optional subdivision (`US`, `DE-BY`, `GB-SCT`), read
from the maintained `holidays` package, plus a company's own days (`skip=2026-12-24,…`).
Either part may be absent. Stored as text (`Calendar.spec` and `Calendar.skip_text`) and
parsed again when used, so a calendar is one value wherever a schedule keeps it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

import holidays as holiday_data
from rapidfuzz import process

HOLIDAYS_USAGE = "holidays=US, holidays=DE-BY or holidays=GB-SCT (a country and region code)"
SKIP_USAGE = "skip=2026-12-24 or skip=2026-12-24,2026-12-31"
MAX_SKIP_DAYS = 366
COMPANY_DAY = "company day off"
_SPEC = re.compile(r"^([A-Za-z]{2,3})(?:-([A-Za-z0-9]{1,6}))?$")


class CalendarError(ValueError):
    """A calendar or skip list that cannot be understood; the message says why and what to
    write instead."""


@dataclass(frozen=True)
class Calendar:
    """The holidays of a country (and region) and the company's own days off."""

    country: str | None = None
    subdivision: str | None = None
    skip: frozenset[date] = field(default_factory=frozenset)

    @property
    def spec(self) -> str | None:
        """How the calendar is written: `DE-BY`, `US`, or None without a country."""
        if self.country is None:
            return None
        return f"{self.country}-{self.subdivision}" if self.subdivision else self.country

    @property
    def skip_text(self) -> str:
        """The company's days off as `skip=` takes them (empty when there are none)."""
        return ",".join(d.isoformat() for d in sorted(self.skip))

    @property
    def is_empty(self) -> bool:
        return self.country is None and not self.skip


NO_CALENDAR = Calendar()


@cache
def _supported() -> dict[str, tuple[str, ...]]:
    return {code.upper(): tuple(subdivs) for code, subdivs in _supported_raw().items()}


def _supported_raw() -> dict[str, Any]:
    return holiday_data.list_supported_countries()


def _suggest(word: str, choices: list[str]) -> str:
    found = process.extract(word, choices, limit=3, score_cutoff=50)
    if not found:
        return ""
    return " Did you mean " + " or ".join(f"`{match}`" for match, _, _ in found) + "?"


def parse_spec(text: str) -> tuple[str, str | None]:
    """`DE-BY` → ("DE", "BY"); unknown countries or regions raise CalendarError with
    suggestions."""
    match = _SPEC.match(text.strip())
    if not match:
        raise CalendarError(f"`{text}` is not a holiday calendar; use {HOLIDAYS_USAGE}.")
    country, subdivision = match.group(1).upper(), (match.group(2) or "").upper() or None
    supported = _supported()
    if country not in supported:
        raise CalendarError(
            f"`{country}` is not a country with a holiday calendar."
            # Suggest the two-letter codes that help teaches, not their three-letter twins.
            + _suggest(country, sorted(code for code in supported if len(code) == 2))
        )
    regions = supported[country]
    if subdivision is not None and subdivision not in {r.upper() for r in regions}:
        codes = sorted(r.upper() for r in regions if r.isupper() or r.isdigit())
        listed = ", ".join(codes[:20])
        more = "" if len(codes) <= 20 else f" (and {len(codes) - 20} more)"
        known = f" Its regions are {listed}{more}." if codes else " It has no regions."
        raise CalendarError(f"`{subdivision}` is not a region of {country}.{known}")
    return country, subdivision


def parse_skip(text: str) -> frozenset[date]:
    """`2026-12-24,2026-12-31` → those dates."""
    days: set[date] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        try:
            days.add(date.fromisoformat(part))
        except ValueError:
            raise CalendarError(f"`{part}` is not a date; use {SKIP_USAGE}.") from None
    if not days:
        raise CalendarError(f"Name the days to skip: {SKIP_USAGE}.")
    if len(days) > MAX_SKIP_DAYS:
        raise CalendarError(f"At most {MAX_SKIP_DAYS} days can be skipped.")
    return frozenset(days)


def parse_calendar(spec: str | None, *, skip: str | frozenset[date] | None = None) -> Calendar:
    """A calendar from `holidays=` and `skip=` as typed (or as stored); either may be
    None or empty. `none` or `off` means no country's holidays, or no days of one's own."""
    country = subdivision = None
    if spec and spec.strip().lower() not in ("none", "off", "-"):
        country, subdivision = parse_spec(spec)
    if isinstance(skip, str):
        cleared = not skip.strip() or skip.strip().lower() in ("none", "off", "-")
        days = frozenset() if cleared else parse_skip(skip)
    else:
        days = skip or frozenset()
    return Calendar(country, subdivision, days)


@cache
def _country_year(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    found = holiday_data.country_holidays(country, subdiv=subdivision, years=year, language="en_US")
    return dict(found.items())


def is_holiday(calendar: Calendar, local_date: date) -> str | None:
    """The name of the holiday (or "company day off") on `local_date`, or None."""
    if local_date in calendar.skip:
        return COMPANY_DAY
    if calendar.country is None:
        return None
    return _country_year(calendar.country, calendar.subdivision, local_date.year).get(local_date)


def upcoming(calendar: Calendar, *, start: date, days: int = 60) -> list[tuple[date, str]]:
    """The holidays from `start` (inclusive) over the next `days` days, in date order."""
    found = []
    for offset in range(days):
        candidate = date.fromordinal(start.toordinal() + offset)
        name = is_holiday(calendar, candidate)
        if name is not None:
            found.append((candidate, name))
    return found


def next_holidays(calendar: Calendar, *, today: date, count: int = 1) -> list[tuple[date, str]]:
    """The next `count` holidays from `today` (inclusive), within a year."""
    if calendar.is_empty:
        return []
    return upcoming(calendar, start=today, days=366)[:count]
