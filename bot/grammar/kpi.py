"""The `/kpi` grammar: command text → one typed command, or a UsageError with the usage.

/kpi                                   scoreboard
/kpi <name> [period]                   one KPI over a period (default 30d; bot.periods)
/kpi add [<name> target=<n> …]         define a KPI (alone: a modal)
/kpi record <name> <value> [at=…]      store a value
/kpi remove|restore <name>             admin
/kpi edit <name> [target=… …]          admin: change a definition
/kpi values <name> [period]            the recorded values, newest first
/kpi undo <name>                       take back your own last value (within the hour)
/kpi config [channel #channel]         admin
/kpi query <name> source=… every=…     admin: compute the KPI with SQL (a modal); `off` stops it
/kpi help
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from difflib import get_close_matches
from typing import Any
from zoneinfo import ZoneInfo

from bot import numbers, periods
from bot.errors import UsageError
from bot.models import Better
from bot.parsing import (
    Moment,
    MomentError,
    parse_channel_ref,
    parse_duration,
    parse_user_ref,
    read_moment,
    split_options,
    split_words,
)
from bot.services import kpi_queries, kpis, schedule

USAGE = f"/kpi [name] [period]   ({periods.hint()})"
ADD_USAGE = (
    "/kpi add <name> target=<number> [unit=<text>] [better=higher|lower] [warn=<number>] "
    '[desc="<text>"] [every=<1h|1d|…>] [owner=@user]'
)
EDIT_USAGE = (
    "/kpi edit <name> [target=<number>] [warn=<number>|warn=none] [unit=<text>] "
    '[better=higher|lower] [desc="<text>"] [every=<1h|1d|…>|every=auto] [name=<new name>] '
    "[owner=@user|owner=none]"
)
VALUES_USAGE = f"/kpi values <name> [period]   ({periods.hint()})"
UNDO_USAGE = "/kpi undo <name>"
RECORD_USAGE = "/kpi record <name> <value> [at=YYYY-MM-DD HH:MM|today|yesterday]"
REMOVE_USAGE = "/kpi remove <name>"
RESTORE_USAGE = "/kpi restore <name>"
CONFIG_USAGE = "/kpi config channel #channel"
SUBCOMMANDS = frozenset(
    {"add", "record", "remove", "restore", "config", "help", "edit", "values", "undo", "query"}
)
QUERY_USAGE = (
    "/kpi query <name> source=<source> every=<15m|1h|…|1d> [at=HH:MM] [tz=Area/City], "
    "or /kpi query <name> off"
)
QUERY_OPTIONS = {"source", "every", "at", "tz"}
ADD_OPTIONS = {"target", "unit", "better", "warn", "desc", "owner", "every"}
EDIT_OPTIONS = ADD_OPTIONS | {"name"}
# `every=auto` (or `learn`): learn the cadence from the data again.
_LEARNT = frozenset({"auto", "learn", "learnt", "none"})
_NONE = frozenset({"none", "-", "off"})


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
    every: timedelta | None = None  # None: learnt from the data


@dataclass(frozen=True)
class Edit:
    """`/kpi edit`: `changes` maps the service's field names (kpi_corrections.EDITABLE) to
    parsed values; target and warn are Quantities until `edits` checks their unit."""

    name: str
    changes: dict[str, Any]

    def edits(self, *, unit: str) -> dict[str, Any]:
        """The edits for kpi_corrections.edit_kpi, target and warn checked against the
        KPI's unit (`unit`, or the new one when the edit changes it)."""
        unit = self.changes.get("unit", unit)
        edits = dict(self.changes)
        for field in ("target", "warn"):
            quantity = edits.get(field)
            if quantity is not None:
                try:
                    edits[field] = numbers.check_unit(quantity, unit)
                except numbers.NumberError as exc:
                    what = "The target" if field == "target" else "Warn"
                    raise UsageError(f"{what}: {exc}", EDIT_USAGE) from None
        return edits


@dataclass(frozen=True)
class EditUsage:
    """`/kpi edit <name>` with nothing to change: show the definition and how to edit it."""

    name: str


@dataclass(frozen=True)
class Values:
    name: str
    period: periods.Period


@dataclass(frozen=True)
class Undo:
    name: str


@dataclass(frozen=True)
class Record:
    name: str
    value: float
    at: Moment | None  # resolved in the caller's timezone (Moment.resolve)
    unit: str = ""  # the unit typed after the value, checked against the KPI's


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


@dataclass(frozen=True)
class Query:
    """Open the SQL modal of a KPI; options left out keep the KPI's current query's."""

    name: str
    source: str | None
    every: timedelta | None
    at: time | None
    zone: ZoneInfo | None


@dataclass(frozen=True)
class QueryOff:
    name: str


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
    | Edit
    | EditUsage
    | Values
    | Undo
    | Query
    | QueryOff
)


def parse_number(text: str, *, what: str, usage: str, unit: str = "") -> float:
    """A number as bot.numbers reads it (`3,5`, `97.5%` when `unit` is `%`); a UsageError
    naming `what` otherwise."""
    try:
        return numbers.parse_number(text, unit)
    except numbers.NumberError as exc:
        raise UsageError(f"{what.capitalize()}: {exc}", usage) from None


def parse_at(text: str) -> Moment:
    """`at=` as bot.parsing reads a time; resolved in the caller's timezone by the handler."""
    try:
        return read_moment(text)
    except MomentError as exc:
        raise UsageError(f"at: {exc}", RECORD_USAGE) from None


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
    unit = options.get("unit", "").strip()
    target = parse_number(options["target"], what="the target", usage=ADD_USAGE, unit=unit)
    better = options.get("better", Better.HIGHER).lower()
    if better not in (Better.HIGHER, Better.LOWER):
        raise UsageError(f"better must be higher or lower, not `{better}`.", ADD_USAGE)
    warn = (
        parse_number(options["warn"], what="warn", usage=ADD_USAGE, unit=unit)
        if "warn" in options
        else None
    )
    owner_id = None
    if options.get("owner"):
        owner_id = parse_user_ref(options["owner"])
        if owner_id is None:
            raise UsageError(f"owner must be a @mention, not `{options['owner']}`.", ADD_USAGE)
    description = options.get("desc", "").strip()
    every = parse_every(options["every"], ADD_USAGE) if "every" in options else None
    try:
        kpis.check_definition(
            name=name, target=target, better=better, warn=warn, unit=unit, description=description
        )
    except kpis.KpiValueError as exc:
        raise UsageError(f"{str(exc)[0].upper()}{str(exc)[1:]}.", ADD_USAGE) from None
    return Add(name, target, better, warn, unit, description, owner_id, every)


def parse_every(text: str, usage: str) -> timedelta | None:
    """`every=`: a duration (`15m`, `4h`, `1d`), or `auto` to learn it from the data."""
    if text.strip().lower() in _LEARNT:
        return None
    every = parse_duration(text)
    if every is None:
        raise UsageError(
            f"every must be how often a value is expected, such as every=1h, every=1d or "
            f"every=1w (or every=auto to learn it from the data), not `{text}`.",
            usage,
        )
    try:
        kpis.every_seconds(every)
    except kpis.KpiValueError as exc:
        raise UsageError(f"{exc}, not `{text}`.", usage) from None
    return every


def _parse_edit(rest: str) -> Edit | EditUsage:
    words = split_options(rest, EDIT_OPTIONS)
    name = _name(words.positional, EDIT_USAGE)
    if len(words.positional) > 1:
        extra = " ".join(words.positional[1:])
        raise UsageError(f"`{extra}` is not understood; options look like key=value.", EDIT_USAGE)
    options = words.options
    if not options:
        return EditUsage(name)
    changes: dict[str, Any] = {}
    if "name" in options:
        new_name = options["name"].strip()
        if not kpis.NAME_PATTERN.match(new_name):
            raise UsageError(f"`{new_name}` is not a KPI name: {kpis.NAME_RULE}.", EDIT_USAGE)
        if new_name.lower() in SUBCOMMANDS:
            raise UsageError(
                f"`{new_name}` is a /kpi command word; choose another name.", EDIT_USAGE
            )
        changes["name"] = new_name
    for field in ("target", "warn"):
        if field not in options:
            continue
        if field == "warn" and options[field].strip().lower() in _NONE:
            changes["warn"] = None
            continue
        try:
            changes[field] = numbers.read_quantity(options[field])
        except numbers.NumberError as exc:
            what = "The target" if field == "target" else "Warn"
            raise UsageError(f"{what}: {exc}", EDIT_USAGE) from None
    if "better" in options:
        better = options["better"].lower()
        if better not in (Better.HIGHER, Better.LOWER):
            raise UsageError(f"better must be higher or lower, not `{better}`.", EDIT_USAGE)
        changes["better"] = better
    if "unit" in options:
        changes["unit"] = options["unit"].strip()
    if "desc" in options:
        changes["description"] = options["desc"].strip()
    if "every" in options:
        changes["every"] = parse_every(options["every"], EDIT_USAGE)
    if "owner" in options:
        owner = options["owner"].strip()
        owner_id = None if owner.lower() in _NONE else parse_user_ref(owner)
        if owner_id is None and owner.lower() not in _NONE:
            raise UsageError(
                f"owner must be a @mention (or owner=none), not `{owner}`.", EDIT_USAGE
            )
        changes["owner_id"] = owner_id
    return Edit(name, changes)


def _parse_values(rest: str) -> Values:
    words = split_words(rest)
    name = _name(words, VALUES_USAGE)
    return Values(name, parse_period(" ".join(words[1:]), usage=VALUES_USAGE))


def _parse_undo(rest: str) -> Undo:
    words = split_words(rest)
    name = _name(words, UNDO_USAGE)
    if len(words) > 1:
        raise UsageError(
            f"`{' '.join(words[1:])}` is not understood: undo takes back your own last value "
            "of a KPI.",
            UNDO_USAGE,
        )
    return Undo(name)


def _misspelt_subcommand(words: list[str]) -> None:
    """`/kpi recrod pick-rate 5`: a word close to a subcommand, followed by more than a
    period, is a typo of that subcommand, not a KPI name."""
    if len(words) < 2:
        return
    try:  # `/kpi <name> 30 days` is a lookup, whatever the name looks like
        periods.parse_period(" ".join(words[1:]))
        return
    except periods.PeriodError:
        pass
    close = get_close_matches(words[0].lower(), sorted(SUBCOMMANDS), n=1, cutoff=0.6)
    if close:
        raise UsageError(
            f"`{words[0]}` is not a /kpi command. Did you mean `/kpi {close[0]} "
            f"{' '.join(words[1:])}`?",
            USAGE,
        )


def _parse_record(rest: str) -> Record:
    words = split_options(rest, {"at"})
    name = _name(words.positional, RECORD_USAGE)
    if len(words.positional) < 2:
        raise UsageError(f"What value for {name}? Give a number.", RECORD_USAGE)
    try:  # the value may be several words: `97.5 %`, `12 orders`, `1 234`
        quantity = numbers.read_quantity(" ".join(words.positional[1:]))
    except numbers.NumberError as exc:
        raise UsageError(f"The value: {exc}", RECORD_USAGE) from None
    at = parse_at(words.options["at"]) if "at" in words.options else None
    return Record(name, quantity.value, at, quantity.unit)


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
    if keyword == "edit":
        return _parse_edit(rest)
    if keyword == "values":
        return _parse_values(rest)
    if keyword == "undo":
        return _parse_undo(rest)
    if keyword == "query":
        return _parse_query(rest)
    words = split_words(text)
    swapped = _period_first(words)
    if swapped is not None:
        return swapped
    _misspelt_subcommand(words)
    name = _name(words, USAGE)
    return Detail(name, parse_period(" ".join(words[1:]), usage=USAGE))


def _period_first(words: list[str]) -> Detail | None:
    """`/kpi 30d dock-to-stock`: a period, then one word that is not one, is a lookup with
    the two swapped."""
    if len(words) != 2 or kpis.parse_period(words[1]) is not None:
        return None
    period = kpis.parse_period(words[0])
    return None if period is None else Detail(words[1], period)


def _parse_query(rest: str) -> Query | QueryOff:
    words = split_options(rest, QUERY_OPTIONS)
    name = _name(words.positional, QUERY_USAGE)
    extra = words.positional[1:]
    if [word.lower() for word in extra] == ["off"] and not words.options:
        return QueryOff(name)
    if extra:
        raise UsageError(f"`{' '.join(extra)}` is not understood.", QUERY_USAGE)
    options = words.options
    source = options.get("source", "").strip().lower() or None
    every = None
    if "every" in options:
        try:
            every = kpi_queries.parse_every(options["every"])
        except ValueError as exc:
            raise UsageError(f"{str(exc)[0].upper()}{str(exc)[1:]}.", QUERY_USAGE) from None
    try:
        at = schedule.parse_time(options["at"]) if "at" in options else None
        zone = schedule.parse_timezone(options["tz"]) if "tz" in options else None
    except schedule.ScheduleValueError as exc:
        raise UsageError(f"{str(exc)[0].upper()}{str(exc)[1:]}.", QUERY_USAGE) from None
    return Query(name, source, every, at, zone)


def parse_period(text: str, *, usage: str) -> periods.Period:
    """A period as every command reads it (`30d`, `2w`, `6m`, `1y`, `30 days`); blank: the
    default 30 days."""
    if not text.strip():
        return kpis.DEFAULT_PERIOD
    try:
        return periods.parse_period(text)
    except periods.PeriodError as exc:
        raise UsageError(str(exc), usage) from None
