"""The `/huddle` grammar: command text → one typed command, or a UsageError with the usage.

/huddle [help]                      what /huddle does
/huddle config #channel time=HH:MM [tz=Area/City] [days=mon-fri] [holidays=US]
        [skip=YYYY-MM-DD,…]         (admins) set a channel's huddle
/huddle off #channel                (admins) stop it
/huddle preview                     this channel's huddle, shown to you only
/huddle now                         post this channel's huddle now
/huddle status                      (admins) every huddle and how posting went
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from rapidfuzz import fuzz, process

from bot.errors import UsageError
from bot.grammar.standup import calendar_options
from bot.parsing import parse_channel_ref, split_options, split_words
from bot.services.schedule import ScheduleValueError, parse_days, parse_time, parse_timezone

CONFIG_USAGE = (
    "/huddle config #channel time=HH:MM [tz=Area/City] [days=mon-fri] "
    "[holidays=US|DE-BY|GB-SCT] [skip=YYYY-MM-DD,…]"
)
OFF_USAGE = "/huddle off #channel"
USAGE = f"{CONFIG_USAGE} | {OFF_USAGE} | /huddle preview | /huddle now | /huddle status"
CONFIG_OPTIONS = {"time", "tz", "days", "holidays", "skip"}


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Config:
    """Set the channel's huddle; a value left as None keeps the current setting."""

    channel_id: str
    at: time | None
    tz: str | None
    days: frozenset[int] | None
    holidays: str | None = None  # a calendar such as DE-BY; "" for none
    skip: str | None = None  # the company's own days off, 2026-12-24,…; "" for none


@dataclass(frozen=True)
class Off:
    channel_id: str


@dataclass(frozen=True)
class Preview:
    pass


@dataclass(frozen=True)
class Now:
    pass


@dataclass(frozen=True)
class Status:
    pass


HuddleCommand = Help | Config | Off | Preview | Now | Status
_BARE = {"preview": Preview, "now": Now, "status": Status}
VERBS = ("help", "config", "off", *_BARE)


def parse(text: str) -> HuddleCommand:
    """Parse the text after `/huddle` (already entity-decoded)."""
    first, _, rest = text.strip().partition(" ")
    verb = first.lower()
    if verb in ("", "help"):
        return Help()
    if verb == "config":
        return parse_config(rest)
    if verb == "off":
        return Off(_one_channel(split_words(rest), OFF_USAGE))
    if verb not in _BARE:
        close = process.extractOne(verb, VERBS, scorer=fuzz.ratio, score_cutoff=60)
        hint = f" Did you mean `/huddle {close[0]}`?" if close else ""
        raise UsageError(f"`/huddle {verb}` is not a huddle command.{hint}", USAGE)
    if rest.strip():
        raise UsageError(f"`/huddle {verb}` takes nothing after it.", f"/huddle {verb}")
    return _BARE[verb]()


def parse_config(text: str) -> Config:
    """`#channel time=HH:MM [tz=Area/City] [days=…]`, the words after `/huddle config`."""
    words = split_options(text, CONFIG_OPTIONS)
    channel_id = _one_channel(words.positional, CONFIG_USAGE)
    options = words.options
    try:
        at = parse_time(options["time"]) if "time" in options else None
        zone = parse_timezone(options["tz"]) if "tz" in options else None
        days = parse_days(options["days"]) if "days" in options else None
    except ScheduleValueError as exc:
        raise UsageError(str(exc), CONFIG_USAGE) from None
    holidays, skip = calendar_options(options, CONFIG_USAGE)
    return Config(channel_id, at, zone.key if zone else None, days, holidays, skip)


def _one_channel(words: list[str], usage: str) -> str:
    if not words:
        raise UsageError("Name the channel, for example `#ops-huddle`.", usage)
    channel_id = parse_channel_ref(words[0])
    if channel_id is None:
        raise UsageError(f"`{words[0]}` is not a channel; pick one with `#`.", usage)
    if len(words) > 1:
        raise UsageError(f"`{' '.join(words[1:])}` is not understood here.", usage)
    return channel_id
