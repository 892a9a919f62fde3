"""The `/report` grammar: command text → one typed command, or a UsageError with the usage.

/report [help]                              what /report does
/report config #channel weekly|monthly [day=mon|<1-28>] [time=HH:MM] [tz=Area/City]
        [holidays=<calendar>] [skip=YYYY-MM-DD,…]   (admins) schedule a channel's report
/report off #channel weekly|monthly         (admins) stop it
/report status                              every scheduled report and its next run
/report preview weekly|monthly              the last full period's report, to you only
/report now weekly|monthly                  post the last full period's report here
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from rapidfuzz import process

from bot.errors import UsageError
from bot.parsing import parse_channel_ref, split_options, split_words
from bot.services.holidays import CalendarError, parse_calendar
from bot.services.reports import CADENCES
from bot.services.schedule import DAY_NAMES, ScheduleValueError, parse_time, parse_timezone

CONFIG_USAGE = (
    "/report config #channel weekly|monthly [day=mon|<1-28>] [time=HH:MM] [tz=Area/City] "
    "[holidays=US|DE-BY|GB-SCT] [skip=YYYY-MM-DD,…]"
)
OFF_USAGE = "/report off #channel weekly|monthly"
USAGE = (
    f"{CONFIG_USAGE} | {OFF_USAGE} | /report preview weekly|monthly | "
    "/report now weekly|monthly | /report status"
)
CONFIG_OPTIONS = {"day", "time", "tz", "holidays", "skip"}
VERBS = ("help", "config", "off", "status", "preview", "now")


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Config:
    """Set a channel's report; a value left as None keeps the current setting."""

    channel_id: str
    cadence: str
    day: int | None
    at: time | None
    tz: str | None
    holidays: str | None  # a calendar such as DE-BY; "" for none
    skip: str | None  # the company's own days off, as YYYY-MM-DD,…; "" for none


@dataclass(frozen=True)
class Off:
    channel_id: str
    cadence: str


@dataclass(frozen=True)
class Status:
    pass


@dataclass(frozen=True)
class Preview:
    cadence: str


@dataclass(frozen=True)
class Now:
    cadence: str


ReportCommand = Help | Config | Off | Status | Preview | Now


def _did_you_mean(word: str, choices: tuple[str, ...]) -> str:
    found = process.extractOne(word.lower(), choices, score_cutoff=60)
    return f" Did you mean `{found[0]}`?" if found else ""


def parse(text: str) -> ReportCommand:
    """Parse the text after `/report` (already entity-decoded)."""
    first, _, rest = text.strip().partition(" ")
    verb = first.lower()
    if verb in ("", "help"):
        return Help()
    if verb == "config":
        return parse_config(rest)
    if verb == "off":
        words = split_words(rest)
        channel_id = _channel(words, OFF_USAGE)
        return Off(channel_id, _cadence(words[1:], OFF_USAGE))
    if verb == "status":
        if rest.strip():
            raise UsageError("`/report status` takes nothing after it.", "/report status")
        return Status()
    if verb in ("preview", "now"):
        usage = f"/report {verb} weekly|monthly"
        cadence = _cadence(split_words(rest), usage)
        return Preview(cadence) if verb == "preview" else Now(cadence)
    raise UsageError(
        f"`/report {first}` is not a report command.{_did_you_mean(verb, VERBS)}", USAGE
    )


def _channel(words: list[str], usage: str) -> str:
    if not words:
        raise UsageError("Name the channel, for example `#leadership`.", usage)
    channel_id = parse_channel_ref(words[0])
    if channel_id is None:
        raise UsageError(f"`{words[0]}` is not a channel; pick one with `#`.", usage)
    return channel_id


def _cadence(words: list[str], usage: str) -> str:
    if not words:
        raise UsageError("Say which report: `weekly` or `monthly`.", usage)
    word = words[0].lower()
    if word not in CADENCES:
        raise UsageError(
            f"`{words[0]}` is not a report; use `weekly` or `monthly`."
            + _did_you_mean(word, CADENCES),
            usage,
        )
    if len(words) > 1:
        raise UsageError(f"`{' '.join(words[1:])}` is not understood here.", usage)
    return word


def _day(text: str, cadence: str) -> int:
    value = text.strip().lower()
    if cadence == "weekly":
        if value in DAY_NAMES or value in _FULL_DAY_NAMES:
            return DAY_NAMES.index(value[:3])
        raise UsageError(
            f"`{text}` is not a weekday; a weekly report takes `day=mon` … `day=sun`.",
            CONFIG_USAGE,
        )
    if value.isdigit() and 1 <= int(value) <= 28:
        return int(value)
    raise UsageError(
        f"`{text}` is not a day for a monthly report; use `day=1` to `day=28` "
        "(every month has them).",
        CONFIG_USAGE,
    )


_FULL_DAY_NAMES = {
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
}


def parse_config(text: str) -> Config:
    """`#channel weekly|monthly [day=…] [time=…] [tz=…] [holidays=…] [skip=…]`."""
    words = split_options(text, CONFIG_OPTIONS)
    channel_id = _channel(words.positional, CONFIG_USAGE)
    cadence = _cadence(words.positional[1:], CONFIG_USAGE)
    options = words.options
    try:
        at = parse_time(options["time"]) if "time" in options else None
        zone = parse_timezone(options["tz"]) if "tz" in options else None
    except ScheduleValueError as exc:
        raise UsageError(str(exc), CONFIG_USAGE) from None
    holidays = skip = None
    try:
        if "holidays" in options:
            holidays = parse_calendar(options["holidays"]).spec or ""
        if "skip" in options:
            skip = parse_calendar(None, skip=options["skip"]).skip_text
    except CalendarError as exc:
        raise UsageError(str(exc), CONFIG_USAGE) from None
    if len(words.positional) > 2:
        extra = " ".join(words.positional[2:])
        raise UsageError(f"`{extra}` is not understood here.", CONFIG_USAGE)
    day = _day(options["day"], cadence) if "day" in options else None
    return Config(channel_id, cadence, day, at, zone.key if zone else None, holidays, skip)
