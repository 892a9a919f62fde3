"""How far back a command looks: one grammar for every command that takes a period
(`/kpi <name> [period]`, `/kpi values`, `/escalate stats`, `/standup history`).

`7d`, `2w`, `6m`, `1y`, `30 days`, `2 weeks`, `6 months`, `1 year`, and the words `today`
(the last day), `week` and `month`; up to a year. In a period `m` is months (`6m`); in a
duration (`every=90m`, `sla sev2 30m`) it is minutes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_DAYS = 366
# What a refusal suggests, each with its length in days (months 30): only those that fit.
_EXAMPLES = (
    ("7d", 7),
    ("30d", 30),
    ("2w", 14),
    ("6m", 180),
    ("1y", 365),
    ("30 days", 30),
    ("today", 1),
    ("week", 7),
    ("month", 30),
)
_UNITS = {
    "d": "d",
    "day": "d",
    "days": "d",
    "w": "w",
    "wk": "w",
    "week": "w",
    "weeks": "w",
    "m": "m",
    "mo": "m",
    "month": "m",
    "months": "m",
    "y": "y",
    "yr": "y",
    "year": "y",
    "years": "y",
}
_WORDS = {"today": (1, "d"), "week": (1, "w"), "month": (1, "m"), "year": (1, "y")}
_NAMES = {"d": "day", "w": "week", "m": "month", "y": "year"}
_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}
_PERIOD = re.compile(r"^(\d{1,4}) ?([a-z]+)$")


class PeriodError(ValueError):
    """Text that is not a period; the message lists what is."""


class PeriodTooLongError(PeriodError):
    """A period longer than the command looks back; the message says the limit."""


@dataclass(frozen=True)
class Period:
    """A span of `count` days, weeks, months or years ending now (`unit` d, w, m or y)."""

    count: int
    unit: str

    @property
    def label(self) -> str:
        """What follows "last" or "previous": `30 days`, `6 months`, `week`, `year`."""
        name = _NAMES[self.unit]
        return name if self.count == 1 else f"{self.count} {name}s"

    @property
    def code(self) -> str:
        """`30d`, `1w`, `6m`, `1y`: what parse_period reads back."""
        return f"{self.count}{self.unit}"

    @property
    def days(self) -> int:
        """Its length for counts by day: a month is 30 days, a year 365."""
        return self.count * _DAYS[self.unit]

    def start(self, end: datetime) -> datetime:
        """The beginning of the period that ends at `end`, at a whole minute, months and
        years by the calendar: every lookup within a minute covers the same values, so their
        figures can be reused until a value is written (see kpi_lookups)."""
        end = end.replace(second=0, microsecond=0)
        if self.unit in ("d", "w"):
            return end - timedelta(days=self.days)
        months = end.year * 12 + end.month - 1 - self.count * (12 if self.unit == "y" else 1)
        year, month = divmod(months, 12)
        day = min(end.day, _days_in_month(year, month + 1))
        return end.replace(year=year, month=month + 1, day=day)


def _days_in_month(year: int, month: int) -> int:
    following = datetime(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def _longest_label(longest_days: int) -> str:
    """How the longest period a command takes is said: `a year`, `90 days`."""
    return "a year" if longest_days >= 365 else f"{longest_days} days"


def parse_period(text: str, *, longest_days: int = MAX_DAYS) -> Period:
    """`7d`, `2w`, `6m`, `1y`, `30 days`, `2 weeks`, `today`, `week`, `month` → a Period of
    at most `longest_days` (months counted as 30 days); PeriodTooLongError for a longer one,
    PeriodError for text that is no period."""
    typed = " ".join(text.lower().split())
    if typed in _WORDS:
        period = Period(*_WORDS[typed])
    else:
        match = _PERIOD.match(typed)
        unit = _UNITS.get(match.group(2)) if match else None
        period = Period(int(match.group(1)), unit) if match and unit else None
    if period is None or period.days < 1:
        raise period_error(text, longest_days=longest_days)
    if period.days > longest_days:
        meant = f" ({period.label}: in a period m is months)" if period.unit == "m" else ""
        raise PeriodTooLongError(
            f"`{text}`{meant} is too long: a period is at most {_longest_label(longest_days)}; "
            f"use {examples(longest_days)}."
        )
    return period


def examples(longest_days: int = MAX_DAYS) -> str:
    """`7d, 30d, 2w, 6m, 1y, 30 days, today, week or month`: those that fit."""
    examples = [example for example, days in _EXAMPLES if days <= longest_days]
    return f"{', '.join(examples[:-1])} or {examples[-1]}"


def hint(longest_days: int = MAX_DAYS) -> str:
    """How a usage line explains `[period]`, the same in every command: `period: 7d, 30d,
    2w, 6m, 1y, 30 days, today, week or month; up to a year, m is months`."""
    return f"period: {examples(longest_days)}; up to {_longest_label(longest_days)}, m is months"


def period_error(text: str, *, longest_days: int = MAX_DAYS, what: str = "a period") -> PeriodError:
    """The one refusal of text that is no period, with the one list of examples and the
    limit."""
    return PeriodError(
        f"`{text}` is not {what}; use {examples(longest_days)} "
        f"(up to {_longest_label(longest_days)}; m is months)."
    )
