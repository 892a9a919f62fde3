"""The `/kpi` grammar: command text → one typed command, or a UsageError with the usage.

/kpi                                   scoreboard
/kpi <name> [7d|30d|90d|12w|6m]        one KPI over a period (default 30d)
/kpi add [<name> target=<n> …]         define a KPI (alone: a modal)
/kpi record <name> <value> [at=…]      store a value
/kpi remove|restore <name>             admin
/kpi config [channel #channel]         admin
/kpi help
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.errors import UsageError
from bot.models import Better
from bot.parsing import parse_channel_ref, parse_user_ref, split_options, split_words
from bot.services import kpis

USAGE = "/kpi [name] [7d|30d|90d|12w|6m]"
ADD_USAGE = (
    "/kpi add <name> target=<number> [unit=<text>] [better=higher|lower] [warn=<number>] "
    '[desc="<text>"] [owner=@user]'
)
RECORD_USAGE = "/kpi record <name> <value> [at=YYYY-MM-DD[THH:MM]]"
REMOVE_USAGE = "/kpi remove <name>"
RESTORE_USAGE = "/kpi restore <name>"
CONFIG_USAGE = "/kpi config channel #channel"
SUBCOMMANDS = frozenset({"add", "record", "remove", "restore", "config", "help"})
ADD_OPTIONS = {"target", "unit", "better", "warn", "desc", "owner"}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?%?$")
_AT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?$")


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Scoreboard:
    pass


@dataclass(frozen=True)
class Detail:
    name: str
    period: kpis.Period


@dataclass(frozen=True)
class AddModal:
    pass


@dataclass(frozen=True)
class Add:
    name: str
    target: float
    better: str
    warn: float | None
    unit: str
    description: str
    owner_id: str | None


@dataclass(frozen=True)
class Record:
    name: str
    value: float
    at: datetime | None  # naive wall-clock time in the caller's timezone


@dataclass(frozen=True)
class Remove:
    name: str


@dataclass(frozen=True)
class Restore:
    name: str


@dataclass(frozen=True)
class ShowConfig:
    pass


@dataclass(frozen=True)
class ConfigChannel:
    channel_id: str


KpiCommand = (
    Help
    | Scoreboard
    | Detail
    | AddModal
    | Add
    | Record
    | Remove
    | Restore
    | ShowConfig
    | ConfigChannel
)


def parse_number(text: str, *, what: str, usage: str) -> float:
    """`97.5`, `-3`, `1e3`, `97.5%` → float; a UsageError naming `what` otherwise."""
    if not _NUMBER.match(text):
        raise UsageError(f"{what} must be a number such as 97.5, not `{text}`.", usage)
    try:
        return kpis.check_value(float(text.rstrip("%")))
    except kpis.KpiValueError as exc:
        raise UsageError(f"{what.capitalize()}: {exc}.", usage) from None


def parse_at(text: str) -> datetime:
    """`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM` → a naive wall-clock datetime."""
    match = _AT.match(text)
    try:
        if not match:
            raise ValueError(text)
        year, month, day, hour, minute = (int(g) if g else 0 for g in match.groups())
        return datetime(year, month, day, hour, minute)
    except ValueError:
        raise UsageError(
            f"`at={text}` is not a date; use at=YYYY-MM-DD or at=YYYY-MM-DDTHH:MM.", RECORD_USAGE
        ) from None


def _name(words: list[str], usage: str) -> str:
    if not words:
        raise UsageError("Which KPI? Give its name.", usage)
    name = words[0]
    if not kpis.NAME_PATTERN.match(name):
        raise UsageError(f"`{name}` is not a KPI name: {kpis.NAME_RULE}.", usage)
    return name


def _parse_add(rest: str) -> Add | AddModal:
    words = split_options(rest, ADD_OPTIONS)
    if not words.positional and not words.options:
        return AddModal()
    name = _name(words.positional, ADD_USAGE)
    if name.lower() in SUBCOMMANDS:
        raise UsageError(f"`{name}` is a /kpi command word; choose another name.", ADD_USAGE)
    if len(words.positional) > 1:
        extra = " ".join(words.positional[1:])
        raise UsageError(f"`{extra}` is not understood; options look like key=value.", ADD_USAGE)
    options = words.options
    if "target" not in options:
        raise UsageError(f"{name} needs a target, such as target=95.", ADD_USAGE)
    target = parse_number(options["target"], what="the target", usage=ADD_USAGE)
    better = options.get("better", Better.HIGHER).lower()
    if better not in (Better.HIGHER, Better.LOWER):
        raise UsageError(f"better must be higher or lower, not `{better}`.", ADD_USAGE)
    warn = (
        parse_number(options["warn"], what="warn", usage=ADD_USAGE) if "warn" in options else None
    )
    owner_id = None
    if options.get("owner"):
        owner_id = parse_user_ref(options["owner"])
        if owner_id is None:
            raise UsageError(f"owner must be a @mention, not `{options['owner']}`.", ADD_USAGE)
    unit = options.get("unit", "").strip()
    description = options.get("desc", "").strip()
    try:
        kpis.check_definition(
            name=name, target=target, better=better, warn=warn, unit=unit, description=description
        )
    except kpis.KpiValueError as exc:
        raise UsageError(f"{str(exc)[0].upper()}{str(exc)[1:]}.", ADD_USAGE) from None
    return Add(name, target, better, warn, unit, description, owner_id)


def _parse_record(rest: str) -> Record:
    words = split_options(rest, {"at"})
    name = _name(words.positional, RECORD_USAGE)
    if len(words.positional) < 2:
        raise UsageError(f"What value for {name}? Give a number.", RECORD_USAGE)
    if len(words.positional) > 2:
        extra = " ".join(words.positional[2:])
        raise UsageError(f"`{extra}` is not understood.", RECORD_USAGE)
    value = parse_number(words.positional[1], what="the value", usage=RECORD_USAGE)
    at = parse_at(words.options["at"]) if "at" in words.options else None
    return Record(name, value, at)


def _parse_config(rest: str) -> ShowConfig | ConfigChannel:
    words = split_words(rest)
    if not words:
        return ShowConfig()
    if words[0].lower() != "channel" or len(words) != 2:
        raise UsageError(f"`/kpi config {rest}` is not a setting.", CONFIG_USAGE)
    channel_id = parse_channel_ref(words[1])
    if channel_id is None:
        raise UsageError(f"`{words[1]}` is not a channel; pick one with #.", CONFIG_USAGE)
    return ConfigChannel(channel_id)


def parse_kpi_command(text: str) -> KpiCommand:
    """Parse the text after `/kpi` (already entity-decoded)."""
    first, _, rest = text.strip().partition(" ")
    keyword = first.lower()
    rest = rest.strip()
    if not keyword:
        return Scoreboard()
    if keyword == "help":
        return Help()
    if keyword == "add":
        return _parse_add(rest)
    if keyword == "record":
        return _parse_record(rest)
    if keyword in ("remove", "restore"):
        usage = REMOVE_USAGE if keyword == "remove" else RESTORE_USAGE
        words = split_words(rest)
        name = _name(words, usage)
        if len(words) > 1:
            raise UsageError(f"`{' '.join(words[1:])}` is not understood.", usage)
        return Remove(name) if keyword == "remove" else Restore(name)
    if keyword == "config":
        return _parse_config(rest)
    words = split_words(text)
    name = _name(words, USAGE)
    if len(words) > 2:
        raise UsageError(f"`{' '.join(words[2:])}` is not understood.", USAGE)
    period = kpis.DEFAULT_PERIOD
    if len(words) == 2:
        parsed = kpis.parse_period(words[1])
        if parsed is None:
            raise UsageError(f"`{words[1]}` is not a period; use {kpis.PERIOD_CHOICES}.", USAGE)
        period = parsed
    return Detail(name, period)
