"""How numbers and dates are written, the same in Slack messages (as `bot.blocks` filters)
and in files made for people outside Slack (a report's CSV and PDF)."""

from __future__ import annotations

import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal


def format_number(value: float | int | None, digits: int = 2) -> str:
    """`1,234`, `96.4`, `0.05`; None → `—`."""
    if value is None:
        return "—"
    # Half up on the number as written (`0.975` → `0.98`), not on its binary approximation
    # (0.97499…), so what is shown agrees with what was typed; + 0.0: no "-0".
    number = float(value)
    if not math.isfinite(number):
        return str(number)
    exact = Decimal(repr(number)).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)
    rounded = float(exact) + 0.0
    if rounded.is_integer():
        return f"{int(rounded):,}"
    return f"{rounded:,.{digits}f}".rstrip("0").rstrip(".")


def plain_number(value: float) -> str:
    """The shortest exact way to write a number, as a program or a command reads it back:
    `150`, `150.5`, `0.975`, `-5` (no thousands separator, no rounding)."""
    number = float(value) + 0.0  # + 0.0: no "-0"
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def format_amount(value: float | None, unit: str, digits: int = 2) -> str:
    """A number with its unit: `96.4%`, `25 orders`, `3.5 h` (only `%` and `‰` stick to the
    number); None → `—`."""
    if value is None:
        return "—"
    number = format_number(value, digits)
    if not unit:
        return number
    return f"{number}{'' if unit in ('%', '‰') else ' '}{unit}"


def format_delta(change: float | None, unit: str) -> str:
    """A change with its direction and unit: `↑ 2 orders`, `↓ 0.4%`, `→ no change` (when
    it rounds to zero); None → `—`."""
    if change is None:
        return "—"
    if format_number(abs(change)) == "0":
        return "→ no change"
    return f"{'↑' if change > 0 else '↓'} {format_amount(abs(change), unit)}"


def format_target(value: float | None, better: str, unit: str) -> str:
    """A target (or warning threshold) with the direction that meets it: `≥ 95%`,
    `≤ 25 orders`; None → `—`."""
    if value is None:
        return "—"
    return f"{'≤' if better == 'lower' else '≥'} {format_amount(value, unit)}"


def day(d: date | None) -> str:
    """A calendar date as people read it: `Mon 7 Dec` (no zero padding, no year). A datetime
    is shown as the date it already is in its own timezone."""
    if d is None:
        return "—"
    return f"{d:%a} {d.day} {d:%b}"


def long_day(d: date | None) -> str:
    """A date in a heading (the huddle's, a standup's day): `Monday 7 December 2026`."""
    if d is None:
        return "—"
    return f"{d:%A} {d.day} {d:%B %Y}"
