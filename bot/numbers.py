"""Numbers with a KPI's unit, read the way people type them.

Reading is lenient and the same for Slack, the CSV import and the API: a decimal comma
(`3,5`) or point, a leading sign, thousands separators where they cannot be misread
(`1,234.5`, `1.234,5`, `1 234`), and a trailing unit when it is the KPI's (`97.5%`,
`3.5 h`, `12 orders`). `1,234` alone is refused: it reads as 1234 in one country and as
1.234 in another.

Writing them is bot/formats.py (`format_amount`, `format_delta`, `format_target`), which
the Jinja filters in bot/blocks.py call.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot.formats import format_amount, format_number

MAX_MAGNITUDE = 1e12
EXAMPLES = "97.5, 3,5 or 1,234.5"
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-"})  # minus sign, en dash
_QUANTITY = re.compile(
    r"^(?P<sign>[+-]?)\s*(?P<body>\d[\d., ]*\d|\d|[.,]\d+)"
    r"(?P<exp>[eE][+-]?\d{1,3})?\s*(?P<unit>.*)$"
)
_GROUP = re.compile(r"^\d{1,3}(?:\d{3})*$")


class NumberError(ValueError):
    """A number that cannot be read or stored; the message is one friendly sentence."""


@dataclass(frozen=True)
class Quantity:
    """A number as typed, with the unit written after it ("" when none)."""

    value: float
    unit: str


def _grouped(integer: str, separator: str) -> str | None:
    """`1,234,567` with `separator` between groups of three → `1234567`; None if not so."""
    groups = integer.split(separator)
    if not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:]):
        return None
    return "".join(groups)


def _plain(body: str, text: str) -> str:
    """`body` (digits and marks) as digits with one `.` as the decimal point, or a
    NumberError saying why it cannot be read."""
    not_a_number = NumberError(f"`{text}` is not a number; write it like {EXAMPLES}.")
    marks = [c for c in body if c in ".,"]
    if " " in body:  # spaces group thousands; a point or comma is then the decimal mark
        if len(marks) > 1:
            raise not_a_number
        thousands, decimal = " ", "".join(marks)
    elif len(set(marks)) == 2:  # `1,234.5` or `1.234,5`: the last mark is the decimal one
        decimal = marks[-1]
        thousands = "," if decimal == "." else "."
        if marks.count(decimal) != 1:
            raise not_a_number
    elif len(marks) > 1:  # `1,234,567` or `1.234.567`
        thousands, decimal = marks[0], ""
    else:
        thousands, decimal = "", "".join(marks)
    integer, _, fraction = body.partition(decimal) if decimal else (body, "", "")
    one_group = not thousands and len(fraction) == 3 and 1 <= len(integer) <= 3
    if decimal == "," and one_group and integer.lstrip("0"):
        raise NumberError(
            f"`{text}` could mean {integer}{fraction} or {integer}.{fraction}; "
            f"write {integer}{fraction} or {integer}.{fraction}."
        )
    if thousands:
        integer = _grouped(integer, thousands) or ""
    if not (integer or fraction) or not all(p.isdigit() for p in (integer, fraction) if p):
        raise not_a_number
    if thousands and not integer:
        raise not_a_number
    return f"{integer or '0'}.{fraction or '0'}"


def read_quantity(text: str) -> Quantity:
    """A number as people type it, with whatever unit follows it (not checked here)."""
    shown = " ".join(text.split())  # what a refusal quotes: one line
    typed = _SPACES.sub(" ", shown.translate(_MINUS)).strip()
    if typed.lower().lstrip("+-") in ("nan", "inf", "infinity", "∞"):
        raise NumberError(f"`{shown}` is not a number Opsbot can store; give one like 97.5.")
    match = _QUANTITY.match(typed)
    if not match:
        raise NumberError(f"`{shown}` is not a number; write it like {EXAMPLES}.")
    value = float(match["sign"] + _plain(match["body"].strip(), shown) + (match["exp"] or ""))
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        raise NumberError(f"`{shown}` is too large: values go up to a trillion (1e12) either way.")
    return Quantity(value, match["unit"].strip())


def _same_unit(typed: str, unit: str) -> bool:
    typed, unit = typed.casefold(), unit.casefold()
    return typed == unit or typed.removesuffix("s") == unit.removesuffix("s")


def check_unit(quantity: Quantity, unit: str) -> float:
    """The quantity's value if it was typed without a unit or with `unit` (the KPI's unit,
    case-insensitive, singular or plural); a NumberError naming the right unit otherwise."""
    unit = unit.strip()
    if not quantity.unit or (unit and _same_unit(quantity.unit, unit)):
        return quantity.value
    plain = format_number(quantity.value)
    if not unit:
        raise NumberError(
            f"This KPI has no unit, so `{quantity.unit}` cannot follow the number: write {plain}."
        )
    raise NumberError(
        f"This KPI is measured in {unit}, not `{quantity.unit}`: write {plain} "
        f"or {format_amount(quantity.value, unit)}."
    )


def parse_number(text: str, unit: str = "") -> float:
    """`3,5`, `+3.5`, `97.5 %`, `1.234,5`, `12 orders` (when `unit` is `orders`) → float.

    Raises NumberError (a ValueError) with one friendly sentence for anything else:
    ambiguous thousands (`1,234`), another unit than `unit`, NaN, infinity, or a
    magnitude above 1e12."""
    return check_unit(read_quantity(text), unit)
