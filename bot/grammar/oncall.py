"""The `/oncall` grammar: command text → one typed command, or a UsageError with the usage.

/oncall                                   every schedule: who is on call now and who is next
/oncall help                              every form
/oncall show <schedule> [7d|14d|30d]      the shifts ahead, gaps named, and a timeline
/oncall create <schedule> @a @b … every=<4h|…|1w|2w> handover=HH:MM [tz=Area/City]
        [start=YYYY-MM-DD] [days=<day list>] [hours=HH:MM-HH:MM]        (admins)
/oncall layer <schedule> @a @b … every=… handover=HH:MM [start=…] [days=…] [hours=…] (admins)
/oncall delete <schedule>                 (admins; asks first)
/oncall config <schedule> [channel=#c] [usergroup=@group] [notice=<n>m]       (admins)
/oncall override <schedule> @user <from> <to>   from/to: YYYY-MM-DD[THH:MM], now, +<n>h
/oncall overrides <schedule>              the overrides ahead, each with Remove
/oncall handover [<schedule>] [note]      a note for the next handover (no note: a modal)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from rapidfuzz import fuzz, process

from bot.errors import UsageError
from bot.parsing import (
    Moment,
    MomentError,
    parse_channel_ref,
    parse_user_ref,
    read_moment,
    split_options,
)
from bot.services import oncall, rotation
from bot.services.schedule import ScheduleValueError, parse_days, parse_time, parse_timezone

LAYER_OPTIONS_USAGE = (
    "every=<4h|6h|8h|12h|1d|<n>d|1w|2w> handover=HH:MM [start=YYYY-MM-DD] [days=mon-fri] "
    "[hours=HH:MM-HH:MM]"
)
CREATE_USAGE = f"/oncall create <schedule> @a @b … {LAYER_OPTIONS_USAGE} [tz=Area/City]"
LAYER_USAGE = f"/oncall layer <schedule> @a @b … {LAYER_OPTIONS_USAGE}"
DELETE_USAGE = "/oncall delete <schedule>"
CONFIG_USAGE = "/oncall config <schedule> [channel=#channel] [usergroup=@group] [notice=15m]"
OVERRIDE_USAGE = "/oncall override <schedule> @user <from> <to> (YYYY-MM-DD[THH:MM], now, +<n>h)"
OVERRIDES_USAGE = "/oncall overrides <schedule>"
SHOW_USAGE = "/oncall show <schedule> [7d|14d|30d]"
HANDOVER_USAGE = "/oncall handover [<schedule>] [note for whoever comes next]"
USAGE = (
    "/oncall | show <schedule> [7d|14d|30d] | override <schedule> @user <from> <to> | "
    "overrides <schedule> | handover [note] | create | layer | delete | config | help"
)
LAYER_KEYS = {"every", "handover", "start", "days", "hours"}
CONFIG_KEYS = {"channel", "usergroup", "notice"}
LONGEST_SHOW_DAYS = 30
LONGEST_NOTICE_MINUTES = 24 * 60
_EVERY = re.compile(r"^(\d{1,3})([hdw])$")
_HOURS = re.compile(r"^(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CLOCK = re.compile(r"^\d{1,2}:\d{2}$")
_AFTER = re.compile(r"^\+(\d{1,4})([hd])$")
_DAYS = re.compile(r"^(\d{1,3})([dw])$")
_NOTICE = re.compile(r"^(\d{1,4})m?$")  # minutes, with or without the m
_USERGROUP = re.compile(r"^<!subteam\^(S[A-Z0-9]+)(?:\|[^>]*)?>$")
_BARE_USERGROUP = re.compile(r"^S[A-Z0-9]{2,}$")
_UNIT = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Overview:
    pass


@dataclass(frozen=True)
class LayerOptions:
    """A layer as typed; `start` None is the schedule's today."""

    members: tuple[str, ...]
    every: timedelta
    handover: time
    start: date | None
    days: frozenset[int]
    hours: tuple[time, time] | None

    def spec(self, today: date) -> oncall.LayerSpec:
        return oncall.LayerSpec(
            self.members, self.every, self.handover, self.start or today, self.days, self.hours
        )


@dataclass(frozen=True)
class Create:
    name: str
    layer: LayerOptions
    tz: str | None  # None: the caller's timezone


@dataclass(frozen=True)
class AddLayer:
    name: str
    layer: LayerOptions


@dataclass(frozen=True)
class Delete:
    name: str


@dataclass(frozen=True)
class Config:
    """A value left as None keeps the setting; "" clears it (`channel=off`)."""

    name: str
    channel_id: str | None
    usergroup_id: str | None
    notice_minutes: int | None

    @property
    def changes_nothing(self) -> bool:
        return self.channel_id is None and self.usergroup_id is None and self.notice_minutes is None


@dataclass(frozen=True)
class When:
    """`now`, `+<n>h` (from now for `from`, after `from` for `to`) or a moment as typed."""

    text: str
    moment: Moment | None = None
    after: timedelta | None = None


@dataclass(frozen=True)
class Override:
    name: str
    user_id: str
    starts: When
    ends: When

    def window(self, tz: tzinfo, now: datetime) -> tuple[datetime, datetime]:
        """The override's start and end in UTC, reading typed moments in `tz`."""
        start = _resolve(self.starts, tz, now, base=now)
        return start, _resolve(self.ends, tz, now, base=start)


@dataclass(frozen=True)
class Overrides:
    name: str


@dataclass(frozen=True)
class Show:
    name: str
    days: int


@dataclass(frozen=True)
class Handover:
    """A note for the next handover (`text` empty: open the modal). The first word may name
    the schedule; the listener knows the schedules and decides."""

    text: str

    @property
    def first_word(self) -> str:
        return self.text.split(maxsplit=1)[0] if self.text else ""

    @property
    def after_first_word(self) -> str:
        parts = self.text.split(maxsplit=1)
        return parts[1] if len(parts) > 1 else ""


OncallCommand = (
    Help | Overview | Create | AddLayer | Delete | Config | Override | Overrides | Show | Handover
)
VERBS = ("help", "show", "create", "layer", "delete", "config", "override", "overrides", "handover")


def parse(text: str) -> OncallCommand:
    """Parse the text after `/oncall` (already entity-decoded)."""
    first, _, rest = text.strip().partition(" ")
    verb, rest = first.lower(), rest.strip()
    if verb == "":
        return Overview()
    if verb == "help":
        return Help()
    if verb == "show":
        return _show(rest)
    if verb in ("create", "layer"):
        return _layer_command(verb, rest)
    if verb == "delete":
        return Delete(_only_name(rest, DELETE_USAGE))
    if verb == "config":
        return _config(rest)
    if verb == "override":
        return _override(rest)
    if verb == "overrides":
        return Overrides(_only_name(rest, OVERRIDES_USAGE))
    if verb == "handover":
        return Handover(rest)
    close = process.extractOne(verb, VERBS, scorer=fuzz.ratio, score_cutoff=75)
    if close:
        raise UsageError(
            f"`/oncall {first}` is not an on-call command. Did you mean `/oncall {close[0]}`?",
            USAGE,
        )
    return _show(text.strip())  # `/oncall night-leads` shows that schedule


def schedule_name(word: str, usage: str) -> str:
    try:
        return oncall.check_name(word)
    except rotation.RotationError as exc:
        raise UsageError(str(exc), usage) from None


def _words(rest: str, usage: str, what: str) -> list[str]:
    words = rest.split()
    if not words:
        raise UsageError(f"Name the schedule{what}, for example `night-leads`.", usage)
    return words


def _only_name(rest: str, usage: str) -> str:
    words = _words(rest, usage, "")
    if len(words) > 1:
        raise UsageError(f"`{' '.join(words[1:])}` is not understood here.", usage)
    return schedule_name(words[0], usage)


def _show(rest: str) -> Show:
    words = _words(rest, SHOW_USAGE, " to show")
    name = schedule_name(words[0], SHOW_USAGE)
    if len(words) > 2:
        raise UsageError(f"`{' '.join(words[2:])}` is not understood here.", SHOW_USAGE)
    days = 7
    if len(words) == 2:
        match = _DAYS.match(words[1].lower())
        days = int(match[1]) * (7 if match[2] == "w" else 1) if match else 0
        if not 1 <= days <= LONGEST_SHOW_DAYS:
            raise UsageError(
                f"`{words[1]}` is not a span to show; use 7d, 14d or 30d (at most 30 days).",
                SHOW_USAGE,
            )
    return Show(name, days)


def person(word: str, usage: str) -> str:
    """A user typed with @ (`<@U123|maria>`) → `U123`; anything else is refused by name."""
    user_id = parse_user_ref(word)
    if user_id is None:
        raise UsageError(
            f"`{word}` is not a person in this workspace. Pick people with @ so that Slack "
            "turns them into mentions.",
            usage,
        )
    return user_id


def _layer_command(verb: str, rest: str) -> Create | AddLayer:
    usage = CREATE_USAGE if verb == "create" else LAYER_USAGE
    words = split_options(rest, LAYER_KEYS | {"tz"})
    if not words.positional:
        raise UsageError("Name the schedule, then its people, for example `night-leads`.", usage)
    name = schedule_name(words.positional[0], usage)
    options = words.options
    for key in ("every", "handover"):
        if key not in options:
            raise UsageError(f"Say `{key}=`: {LAYER_OPTIONS_USAGE}.", usage)
    members = tuple(person(word, usage) for word in words.positional[1:])
    if not members:
        raise UsageError("List the people who take turns, with @, in turn order.", usage)
    if len(members) > oncall.MAX_MEMBERS:
        raise UsageError(f"A layer has at most {oncall.MAX_MEMBERS} people.", usage)
    try:
        layer = LayerOptions(
            members=members,
            every=_every(options["every"]),
            handover=parse_time(options["handover"]),
            start=_start(options["start"]) if "start" in options else None,
            days=parse_days(options["days"]) if "days" in options else rotation.ALL_DAYS,
            hours=_hours(options["hours"]) if "hours" in options else None,
        )
        zone = parse_timezone(options["tz"]).key if "tz" in options else None
        rotation.Layer(
            layer.members, layer.every, layer.handover, date(2026, 1, 1), layer.days, layer.hours
        )
    except (ScheduleValueError, rotation.RotationError) as exc:
        raise UsageError(str(exc).rstrip(".") + ".", usage) from None
    if verb == "layer":
        if zone is not None:
            raise UsageError(
                "A schedule has one timezone, set when it is created; its layers hand over in it.",
                usage,
            )
        return AddLayer(name, layer)
    return Create(name, layer, zone)


def _every(text: str) -> timedelta:
    """A turn length: one list of what is one, whatever is wrong with `text`."""
    match = _EVERY.match(text.strip().lower())
    try:
        if not match:
            raise rotation.RotationError(text)
        every = int(match[1]) * _UNIT[match[2]]
        rotation.check_every(every)
    except rotation.RotationError:
        raise ScheduleValueError(
            f"`every={text}` is not a turn length; use {rotation.TURN_LENGTHS}"
        ) from None
    return every


def _start(text: str) -> date:
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ScheduleValueError(f"`start={text}` is not a date; write it as 2026-12-07") from None


def _hours(text: str) -> tuple[time, time]:
    match = _HOURS.match(text.strip())
    if not match:
        raise ScheduleValueError(f"`hours={text}` is not a window; write it as 08:00-17:00")
    return parse_time(match[1]), parse_time(match[2])


def _config(rest: str) -> Config:
    words = split_options(rest, CONFIG_KEYS)
    if not words.positional:
        raise UsageError("Name the schedule, for example `night-leads`.", CONFIG_USAGE)
    name = schedule_name(words.positional[0], CONFIG_USAGE)
    if len(words.positional) > 1:
        raise UsageError(
            f"`{' '.join(words.positional[1:])}` is not understood here.", CONFIG_USAGE
        )
    options = words.options
    channel_id = usergroup_id = None
    notice = None
    if "channel" in options:
        value = options["channel"]
        channel_id = "" if value.lower() == "off" else parse_channel_ref(value)
        if channel_id is None:
            raise UsageError(f"`{value}` is not a channel; pick one with `#`.", CONFIG_USAGE)
    if "usergroup" in options:
        value = options["usergroup"]
        usergroup_id = "" if value.lower() == "off" else _usergroup(value)
    if "notice" in options:
        match = _NOTICE.match(options["notice"].lower())
        notice = int(match[1]) if match else -1
        if not 0 <= notice <= LONGEST_NOTICE_MINUTES:
            raise UsageError(
                f"`notice={options['notice']}` is not a notice; give minutes, such as 15m "
                "(at most 1440m).",
                CONFIG_USAGE,
            )
    return Config(name, channel_id, usergroup_id, notice)


def _usergroup(value: str) -> str:
    match = _USERGROUP.match(value)
    if match:
        return match[1]
    if _BARE_USERGROUP.match(value):
        return value
    raise UsageError(
        f"`{value}` is not a user group I know; pick it with @ so that Slack turns it into a "
        "mention, or say `usergroup=off`.",
        CONFIG_USAGE,
    )


def _joined_moments(words: list[str]) -> list[str]:
    """`2026-12-24 18:00` typed as two words is one moment."""
    joined: list[str] = []
    for word in words:
        if joined and _DATE.match(joined[-1]) and _CLOCK.match(word):
            joined[-1] += "T" + word
        else:
            joined.append(word)
    return joined


def _when(text: str) -> When:
    lowered = text.lower()
    if lowered == "now":
        return When(text)
    after = _AFTER.match(lowered)
    if after:
        if int(after[1]) == 0:
            raise UsageError("`+0h` is no time at all; say `now` or `+1h`.", OVERRIDE_USAGE)
        return When(text, after=int(after[1]) * _UNIT[after[2]])
    try:
        return When(text, moment=read_moment(text))
    except MomentError:
        raise UsageError(
            f"`{text}` is not a time; write 2026-12-24, 2026-12-24T18:00, now or +8h.",
            OVERRIDE_USAGE,
        ) from None


# `/oncall override night-leads me now +8h`: the caller, whoever they are.
SELF = "me"
_SELF_WORDS = frozenset({"me", "@me", "myself", "@myself"})


def _override(rest: str) -> Override:
    words = _joined_moments(rest.split())
    if len(words) != 4:
        raise UsageError(
            "Say the schedule, the person, and from when to when, for example "
            "`/oncall override night-leads @maria now +8h`.",
            OVERRIDE_USAGE,
        )
    name = schedule_name(words[0], OVERRIDE_USAGE)
    who = SELF if words[1].lower() in _SELF_WORDS else person(words[1], OVERRIDE_USAGE)
    return Override(name, who, _when(words[2]), _when(words[3]))


def _resolve(when: When, tz: tzinfo, now: datetime, *, base: datetime) -> datetime:
    if when.moment is not None:
        return when.moment.resolve(tz, now)
    if when.after is not None:
        try:
            return base + when.after
        except OverflowError:
            raise UsageError(f"`{when.text}` is too far away.", OVERRIDE_USAGE) from None
    return now.astimezone(UTC)
