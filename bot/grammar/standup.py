"""The `/standup` grammar: command text → one typed command, or a UsageError with the usage.

/standup [#channel]                          answer today's standup (a modal, or a picker)
/standup config [#channel time=HH:MM …]      alone: list the standups; with options: (admins)
                                             create or change one
/standup join|leave [#channel]               join or leave a standup
/standup add|remove @user… [#channel]        (admins) add or remove participants
/standup ooo YYYY-MM-DD [YYYY-MM-DD]         out of office; `ooo cancel` (or off, clear) ends it
/standup report [YYYY-MM-DD|yesterday] [#ch]  a day's report, to the caller only
/standup history [@user] [period]            someone's answers over the last days (bot.periods)
/standup help

A standup named by no channel is the caller's or the channel's; the listener finds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from bot import periods
from bot.errors import UsageError
from bot.parsing import parse_channel_ref, parse_user_ref, split_options
from bot.services.holidays import CalendarError, parse_calendar
from bot.services.schedule import ScheduleValueError, parse_days, parse_time, parse_timezone

USAGE = "/standup [#channel] | join | leave | ooo | report | history | config | add | remove | help"
CONFIG_USAGE = (
    "/standup config #channel time=HH:MM [days=mon-fri] [report=HH:MM] "
    '[tz=Area/City] [questions="…|…|…"] [holidays=US|DE-BY|GB-SCT] [skip=YYYY-MM-DD,…]'
)
MAX_HISTORY_DAYS = 90
USAGES = {
    "config": CONFIG_USAGE,
    "join": "/standup join [#channel]",
    "leave": "/standup leave [#channel]",
    "add": "/standup add @user… [#channel]",
    "remove": "/standup remove @user… [#channel]",
    "ooo": "/standup ooo YYYY-MM-DD [YYYY-MM-DD] | /standup ooo cancel",
    "report": "/standup report [YYYY-MM-DD|today|yesterday] [#channel]",
    "history": f"/standup history [@user] [period]   ({periods.hint(MAX_HISTORY_DAYS)})",
}
SUBCOMMANDS = frozenset(
    {"help", "config", "join", "leave", "add", "remove", "ooo", "report", "history"}
)
CONFIG_OPTIONS = {"time", "days", "report", "tz", "questions", "holidays", "skip"}
MAX_QUESTIONS = 6
MAX_QUESTION_CHARS = 150
DEFAULT_HISTORY_DAYS = 7
MAX_OOO_DAYS = 366
_OOO_CANCEL = frozenset({"cancel", "off", "clear"})


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Answer:
    """Open today's answer modal: for the standup in `channel_id`, else the caller's."""

    channel_id: str | None


@dataclass(frozen=True)
class ShowConfig:
    pass


@dataclass(frozen=True)
class Configure:
    """Create the channel's standup or change it; a value left as None keeps the setting."""

    channel_id: str
    remind_at: time | None
    report_at: time | None
    days: frozenset[int] | None
    timezone: str | None
    questions: tuple[str, ...] | None
    holidays: str | None = None  # a calendar such as DE-BY; "" for none
    skip: str | None = None  # the company's own days off, 2026-12-24,…; "" for none


@dataclass(frozen=True)
class Join:
    channel_id: str | None


@dataclass(frozen=True)
class Leave:
    channel_id: str | None


@dataclass(frozen=True)
class AddPeople:
    user_ids: tuple[str, ...]
    channel_id: str | None


@dataclass(frozen=True)
class RemovePeople:
    user_ids: tuple[str, ...]
    channel_id: str | None


@dataclass(frozen=True)
class OutOfOffice:
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class CancelOutOfOffice:
    pass


@dataclass(frozen=True)
class Report:
    """A day's report (None: `days_ago` days before today where the standup runs)."""

    local_date: date | None
    channel_id: str | None
    days_ago: int = 0


@dataclass(frozen=True)
class History:
    """Someone's answers over the last `days` days (user_id None: the caller's)."""

    user_id: str | None
    days: int


StandupCommand = (
    Help
    | Answer
    | ShowConfig
    | Configure
    | Join
    | Leave
    | AddPeople
    | RemovePeople
    | OutOfOffice
    | CancelOutOfOffice
    | Report
    | History
)


def parse(text: str) -> StandupCommand:
    """Parse the text after `/standup` (already entity-decoded)."""
    words = split_options(text, CONFIG_OPTIONS)
    positional = words.positional
    first = positional[0].lower() if positional else ""
    if first == "help":
        return Help()
    if first and first not in SUBCOMMANDS and not parse_channel_ref(positional[0]):
        raise UsageError(f"`/standup {first}` is not a /standup command.", USAGE)
    if words.options and first != "config":
        raise UsageError("Options like time= only go with `/standup config`.", CONFIG_USAGE)
    rest = positional[1:]
    match first:
        case "config":
            return _config(rest, words.options)
        case "join" | "leave":
            channel_id = _channel_alone(rest, USAGES[first])
            return Join(channel_id) if first == "join" else Leave(channel_id)
        case "add" | "remove":
            channel_id, people = _one_channel(rest, USAGES[first])
            change = AddPeople if first == "add" else RemovePeople
            return change(_people(people, USAGES[first]), channel_id)
        case "ooo":
            return _out_of_office(rest)
        case "report":
            return _report(rest)
        case "history":
            return _history(rest)
        case _:  # nothing, or a #channel
            return Answer(_channel_alone(positional, USAGE))


def _config(words: list[str], options: dict[str, str]) -> ShowConfig | Configure:
    channel_id = _channel_alone(words, CONFIG_USAGE)
    if channel_id is None and not options:
        return ShowConfig()
    if channel_id is None:
        raise UsageError("Name the standup's channel.", CONFIG_USAGE)
    try:
        remind_at = parse_time(options["time"]) if "time" in options else None
        report_at = parse_time(options["report"]) if "report" in options else None
        days = parse_days(options["days"]) if "days" in options else None
        tz = parse_timezone(options["tz"]).key if "tz" in options else None
    except ScheduleValueError as exc:
        raise UsageError(str(exc), CONFIG_USAGE) from None
    questions = _questions(options["questions"]) if "questions" in options else None
    holidays, skip = calendar_options(options, CONFIG_USAGE)
    return Configure(channel_id, remind_at, report_at, days, tz, questions, holidays, skip)


def calendar_options(options: dict[str, str], usage: str) -> tuple[str | None, str | None]:
    """`holidays=` and `skip=` as stored ("" for none; None when not given)."""
    try:
        holidays = parse_calendar(options["holidays"]).spec or "" if "holidays" in options else None
        skip = parse_calendar(None, skip=options["skip"]).skip_text if "skip" in options else None
    except CalendarError as exc:
        raise UsageError(str(exc), usage) from None
    return holidays, skip


def _questions(text: str) -> tuple[str, ...]:
    questions = tuple(q.strip() for q in text.split("|") if q.strip())
    if not questions or len(questions) > MAX_QUESTIONS:
        raise UsageError(f"Give 1 to {MAX_QUESTIONS} questions separated by |.", CONFIG_USAGE)
    if any(len(q) > MAX_QUESTION_CHARS for q in questions):
        raise UsageError(f"Keep each question under {MAX_QUESTION_CHARS} characters.", CONFIG_USAGE)
    return questions


def _people(words: list[str], usage: str) -> tuple[str, ...]:
    """@mentions → user ids, each once, in the order given."""
    user_ids = [parse_user_ref(word) for word in words]
    if not user_ids or None in user_ids:
        raise UsageError("Name the people with @mentions.", usage)
    return tuple(dict.fromkeys(u for u in user_ids if u))


def _out_of_office(words: list[str]) -> OutOfOffice | CancelOutOfOffice:
    usage = USAGES["ooo"]
    if len(words) == 1 and words[0].lower() in _OOO_CANCEL:
        return CancelOutOfOffice()
    if len(words) not in (1, 2):
        raise UsageError("Give the first and last day you are out.", usage)
    starts_on = _date(words[0], usage)
    ends_on = _date(words[-1], usage)
    if ends_on < starts_on:
        raise UsageError("The last day comes before the first.", usage)
    if (ends_on - starts_on).days >= MAX_OOO_DAYS:
        raise UsageError("An out-of-office period can last a year at most.", usage)
    return OutOfOffice(starts_on, ends_on)


def _report(words: list[str]) -> Report:
    usage = USAGES["report"]
    channel_id, extra = _one_channel(words, usage)
    if len(extra) > 1:
        raise UsageError(f"`{' '.join(extra)}` is not understood here.", usage)
    if extra and extra[0].lower() in _RELATIVE_DAYS:
        return Report(None, channel_id, _RELATIVE_DAYS[extra[0].lower()])
    return Report(_date(extra[0], usage) if extra else None, channel_id)


def _history(words: list[str]) -> History:
    """`[@user] [period]` in any order; the period may be two words (`30 days`)."""
    people = [user_id for user_id in map(parse_user_ref, words) if user_id]
    period = " ".join(word for word in words if not parse_user_ref(word))
    days = DEFAULT_HISTORY_DAYS
    if period:
        try:
            days = periods.parse_period(period, longest_days=MAX_HISTORY_DAYS).days
        except periods.PeriodTooLongError:
            raise UsageError(
                f"`{period}` is too long: standup history goes back at most "
                f"{MAX_HISTORY_DAYS} days; use {periods.examples(MAX_HISTORY_DAYS)}.",
                USAGES["history"],
            ) from None
        except periods.PeriodError:
            error = periods.period_error(
                period, longest_days=MAX_HISTORY_DAYS, what="a person or a period"
            )
            raise UsageError(str(error), USAGES["history"]) from None
    return History(people[-1] if people else None, days)


_RELATIVE_DAYS = {"today": 0, "yesterday": 1}


def _date(word: str, usage: str) -> date:
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise UsageError(
            f"`{word}` is not a date; use YYYY-MM-DD such as 2026-03-09.", usage
        ) from None


def _one_channel(words: list[str], usage: str) -> tuple[str | None, list[str]]:
    """At most one #channel among the words → (its id or None, the other words)."""
    channels = [c for c in map(parse_channel_ref, words) if c]
    if len(channels) > 1:
        raise UsageError("Name one standup channel at a time.", usage)
    rest = [w for w in words if not parse_channel_ref(w)]
    return (channels[0] if channels else None), rest


def _channel_alone(words: list[str], usage: str) -> str | None:
    """At most one #channel and no other word → its id or None."""
    channel_id, extra = _one_channel(words, usage)
    if extra:
        raise UsageError(f"`{' '.join(extra)}` is not understood here.", usage)
    return channel_id
