"""The `/escalate` grammar for the words that decide whether anything is opened: a severity
word, a subcommand, or a summary. A first word that is close to a severity or a subcommand
opens nothing: the caller gets "Did you mean …?" with the choices spelt out.

/escalate [<severity>] <summary>       severity: sev1…sev4, p1…p4, critical|high|medium|low,
                                       with or without a trailing `:`; default sev3
/escalate <subcommand> …               list, show, ack, resolve, reopen, assign, severity,
                                       cancel, stats, config, help
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from bot import periods
from bot.errors import UsageError
from bot.parsing import parse_channel_ref, parse_duration, parse_user_ref, split_words
from bot.services import escalations, oncall

OPEN_USAGE = "/escalate [sev1|sev2|sev3|sev4] <summary>"
USAGE = (
    "/escalate [<severity>] <summary> | list [open|mine|all] | show ESC-<n> | "
    "ack|resolve|reopen ESC-<n> [note] | assign ESC-<n> @user | severity ESC-<n> sevN | "
    "cancel ESC-<n> [duplicate=ESC-<m>] [reason] | stats [<period>] | config | help"
)
LIST_USAGE = "/escalate list [open|mine|all]"
SHOW_USAGE = "/escalate show ESC-<n>"
ACK_USAGE = "/escalate ack ESC-<n> [note]"
RESOLVE_USAGE = "/escalate resolve ESC-<n> [cause=<word>] [note]"
REOPEN_USAGE = "/escalate reopen ESC-<n> [note]"
ASSIGN_USAGE = "/escalate assign ESC-<n> @user"
SEVERITY_USAGE = "/escalate severity ESC-<n> sev1|sev2|sev3|sev4"
CANCEL_USAGE = "/escalate cancel ESC-<n> [duplicate=ESC-<m>] [reason]"
STATS_USAGE = f"/escalate stats [period]   ({periods.hint()})"
CONFIG_USAGE = (
    "/escalate config channel #channel | config oncall [sevN] <@l1|schedule:name> [<l2> …] | "
    "config oncall [sevN] off | config sla sevN <duration> | config resolve sevN <duration> | "
    "config causes <cause>,<cause>,…"
)
SEVERITY_WORDS = {
    **{f"sev{n}": f"sev{n}" for n in range(1, 5)},
    **{f"p{n}": f"sev{n}" for n in range(1, 5)},
    "critical": "sev1",
    "high": "sev2",
    "medium": "sev3",
    "low": "sev4",
}
SUBCOMMANDS = (
    "help",
    "list",
    "show",
    "ack",
    "acknowledge",
    "resolve",
    "reopen",
    "assign",
    "severity",
    "cancel",
    "stats",
    "config",
)
# Words people type for a subcommand that is called something else here.
SYNONYMS = {
    "upgrade": "severity",
    "downgrade": "severity",
    "sev": "severity",
    "close": "resolve",
    "fix": "resolve",
    "fixed": "resolve",
    "delete": "cancel",
    "remove": "cancel",
    "reassign": "assign",
    "claim": "ack",
}
_PUNCTUATION = ":,.;"
_NUMBERED = re.compile(r"^(?:sev|p|s)(\d+)$")
_SPLIT_SEVERITY = re.compile(r"^(?:sev|severity|p)$")


@dataclass(frozen=True)
class OpenNow:
    """Open an escalation with this severity (None: the default) and summary."""

    severity: str | None
    summary: str


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class ListEscalations:
    scope: str  # open, mine or all


@dataclass(frozen=True)
class Show:
    number: int


@dataclass(frozen=True)
class Acknowledge:
    number: int
    note: str


@dataclass(frozen=True)
class Resolve:
    number: int
    note: str
    cause: str | None


@dataclass(frozen=True)
class Reopen:
    number: int
    note: str


@dataclass(frozen=True)
class Assign:
    number: int
    user_id: str


@dataclass(frozen=True)
class ChangeSeverity:
    number: int
    severity: str


@dataclass(frozen=True)
class Cancel:
    number: int
    reason: str
    duplicate_of: int | None


@dataclass(frozen=True)
class Stats:
    days: int


@dataclass(frozen=True)
class ShowConfig:
    pass


@dataclass(frozen=True)
class ConfigChannel:
    channel_id: str


@dataclass(frozen=True)
class ConfigChain:
    severity: str | None  # None: every severity
    user_ids: tuple[str, ...]  # levels: user ids or `schedule:<name>`; empty: remove the chain


@dataclass(frozen=True)
class ConfigDuration:
    setting: str  # sla (acknowledge within) or resolve (resolve within)
    severity: str
    minutes: int


@dataclass(frozen=True)
class ConfigCauses:
    causes: tuple[str, ...]


Command = (
    Help
    | ListEscalations
    | Show
    | Acknowledge
    | Resolve
    | Reopen
    | Assign
    | ChangeSeverity
    | Cancel
    | Stats
    | ShowConfig
    | ConfigChannel
    | ConfigChain
    | ConfigDuration
    | ConfigCauses
)


@dataclass(frozen=True)
class DidYouMean:
    """The first word is close to a severity or a subcommand: open nothing and ask.

    `suggestion` is what the person probably meant (`sev2`, `/escalate assign`); with a
    severity guess, `severity` and `summary` say what "Open as …" would open. "Open anyway"
    opens `text` as it was typed, at the default severity."""

    word: str
    suggestion: str
    text: str
    severity: str | None = None
    summary: str = ""


def severity_of(word: str) -> str | None:
    """`sev1`, `P1`, `critical`, `sev1:` … → `sev1`; None when the word is not a severity."""
    return SEVERITY_WORDS.get(word.lower().rstrip(_PUNCTUATION))


def parse(text: str) -> OpenNow | Command | DidYouMean:
    """What `/escalate <text>` asks for (text is not empty)."""
    text = text.strip()
    first, _, rest = text.partition(" ")
    rest = rest.strip()
    word = first.lower()
    if word in SUBCOMMANDS:
        return _subcommand(word, rest)
    severity = severity_of(first)
    if severity is not None:
        if not rest:
            raise UsageError(f"Say what is wrong after {first.rstrip(_PUNCTUATION)}.", OPEN_USAGE)
        return OpenNow(severity, rest)
    guess = _guess(word.rstrip(_PUNCTUATION), rest)
    if guess is not None:
        return guess
    return OpenNow(None, text)


def _guess(word: str, rest: str) -> DidYouMean | None:
    numbered = _NUMBERED.match(word)
    if numbered:  # sev5, p0, s2
        level = min(max(int(numbered.group(1)), 1), 4)
        return DidYouMean(word, f"sev{level}", f"{word} {rest}".strip(), f"sev{level}", rest)
    if _SPLIT_SEVERITY.match(word):  # "sev 2 …", "p 1 …"
        number, _, after = rest.partition(" ")
        if number.rstrip(_PUNCTUATION) in {"1", "2", "3", "4"}:
            severity = f"sev{number.rstrip(_PUNCTUATION)}"
            return DidYouMean(word, severity, f"{word} {rest}", severity, after.strip())
    text = f"{word} {rest}".strip()
    if word in SYNONYMS:
        return DidYouMean(word, f"/escalate {SYNONYMS[word]}", text)
    if len(word) >= 4:
        for candidate in (*SUBCOMMANDS, *SEVERITY_WORDS):
            if len(candidate) >= 4 and OSA.distance(word, candidate) == 1:
                severity = SEVERITY_WORDS.get(candidate)
                if severity is not None:
                    return DidYouMean(word, candidate, text, severity, rest)
                return DidYouMean(word, f"/escalate {candidate}", text)
    return None


# -- subcommands -------------------------------------------------------------------------

_OPTION = re.compile(r"(?:^|\s)(cause|duplicate)=(\S*)", re.IGNORECASE)


def parse_ref(text: str, usage: str) -> int:
    """`ESC-12`, `esc12`, `#12` or `12` → 12, or a UsageError with `usage`."""
    try:
        return escalations.parse_ref(text)
    except UsageError as error:
        raise UsageError(error.message, usage) from None


def _ref_and_rest(rest: str, usage: str) -> tuple[int, str]:
    ref, _, after = rest.partition(" ")
    if not ref:
        raise UsageError("Say which escalation, e.g. ESC-12.", usage)
    return parse_ref(ref, usage), after.strip()


def _option(text: str, name: str) -> tuple[str | None, str]:
    """The value of `name=…` in `text` (None if absent) and the text without it."""
    for match in _OPTION.finditer(text):
        if match.group(1).lower() == name:
            rest = (text[: match.start()] + " " + text[match.end() :]).strip()
            return match.group(2), " ".join(rest.split())
    return None, text


def parse_period(text: str) -> int:
    """A period as every command reads it (bot.periods: `7d`, `2w`, `3m`, `1y`, `30 days`,
    `today`, `week`, `month`) → its number of days (a month is 30); blank: 30 days."""
    try:
        return periods.parse_period(text or "30d").days
    except periods.PeriodError as exc:
        raise UsageError(str(exc), STATS_USAGE) from None


def _subcommand(name: str, rest: str) -> Command:
    if name == "help":
        if rest:
            raise UsageError("`/escalate help` takes no arguments.", USAGE)
        return Help()
    if name == "list":
        scope = rest.lower() or "open"
        if scope not in ("open", "mine", "all"):
            raise UsageError(
                f"`{rest}` is not a list; use open, mine or all. To open an escalation "
                "whose summary starts with “list”, put the severity first: "
                "`/escalate sev3 list …`.",
                LIST_USAGE,
            )
        return ListEscalations(scope)
    if name == "show":
        number, extra = _ref_and_rest(rest, SHOW_USAGE)
        if extra:
            raise UsageError("`show` takes only an escalation id.", SHOW_USAGE)
        return Show(number)
    if name in ("ack", "acknowledge"):
        return Acknowledge(*_ref_and_rest(rest, ACK_USAGE))
    if name == "resolve":
        number, note = _ref_and_rest(rest, RESOLVE_USAGE)
        cause, note = _option(note, "cause")
        return Resolve(number, note, cause)
    if name == "reopen":
        return Reopen(*_ref_and_rest(rest, REOPEN_USAGE))
    if name == "assign":
        number, who = _ref_and_rest(rest, ASSIGN_USAGE)
        user_id = parse_user_ref(who)
        if user_id is None:
            raise UsageError("Name the new owner as @user.", ASSIGN_USAGE)
        return Assign(number, user_id)
    if name == "severity":
        number, word = _ref_and_rest(rest, SEVERITY_USAGE)
        severity = severity_of(word) if word and " " not in word else None
        if severity is None:
            raise UsageError("Give the new severity, e.g. sev1.", SEVERITY_USAGE)
        return ChangeSeverity(number, severity)
    if name == "cancel":
        number, reason = _ref_and_rest(rest, CANCEL_USAGE)
        duplicate, reason = _option(reason, "duplicate")
        return Cancel(
            number, reason, parse_ref(duplicate, CANCEL_USAGE) if duplicate is not None else None
        )
    if name == "stats":
        return Stats(parse_period(rest))
    return _config(split_words(rest))


def _config(words: list[str]) -> Command:
    if not words:
        return ShowConfig()
    setting, args = words[0].lower(), words[1:]
    if setting == "channel":
        channel_id = parse_channel_ref(args[0]) if len(args) == 1 else None
        if channel_id is None:
            raise UsageError("Name one channel, e.g. #ops-escalations.", CONFIG_USAGE)
        return ConfigChannel(channel_id)
    if setting == "oncall":
        severity = severity_of(args[0]) if args else None
        people = args[1:] if severity else args
        if [word.lower() for word in people] == ["off"]:
            return ConfigChain(severity, ())
        return ConfigChain(severity, _chain(people))
    if setting in ("sla", "resolve"):
        severity = severity_of(args[0]) if len(args) == 2 else None
        duration = parse_duration(args[1]) if len(args) == 2 else None
        if severity is None or duration is None:
            raise UsageError(
                f"Give a severity and a duration, e.g. `{setting} sev1 1h30m` "
                "(durations: 90m, 1h30m, 2h, 1d).",
                CONFIG_USAGE,
            )
        return ConfigDuration(setting, severity, int(duration.total_seconds() // 60))
    if setting == "causes":
        causes = [word.strip().lower() for word in " ".join(args).split(",") if word.strip()]
        if not causes:
            raise UsageError(
                "List the causes, separated by commas.",
                "/escalate config causes equipment,staffing,carrier,…",
            )
        return ConfigCauses(tuple(causes))
    raise UsageError(f"`{setting}` is not an escalation setting.", CONFIG_USAGE)


def _person(word: str, user_id: str) -> str:
    """How a person typed as `<@U123|maria>` is named in a message: `@maria`."""
    label = word.rstrip(">").partition("|")[2]
    return f"@{label or user_id}"


def _chain(words: list[str]) -> tuple[str, ...]:
    """@user and `schedule:<name>` words → levels (user ids, `schedule:<name>`), level 1
    first; a word that is neither, or a level named twice, is refused by name (whether the
    schedule exists is checked when the chain is saved)."""
    if not words:
        raise UsageError(
            "List the chain as @users or schedule:<name>, level 1 first.", CONFIG_USAGE
        )
    chain: list[str] = []
    for word in words:
        if word.lower().startswith("schedule:"):
            name = word.split(":", 1)[1]
            if not oncall.NAME_PATTERN.match(name):
                raise UsageError(
                    f"`{word}` is not a schedule level; write schedule:<name>, such as "
                    "schedule:night-leads.",
                    CONFIG_USAGE,
                )
            level, named = f"schedule:{name.lower()}", f"schedule:{name}"
        else:
            level = parse_user_ref(word) or ""
            if not level:
                raise UsageError(
                    f"`{word}` is not a person I can page. Pick people with @ so that Slack "
                    "turns them into mentions, or name an on-call schedule as "
                    "schedule:<name>.",
                    CONFIG_USAGE,
                )
            named = _person(word, level)
        if level in chain:
            raise UsageError(f"{named} is in the chain twice; name each level once.", CONFIG_USAGE)
        chain.append(level)
    return tuple(chain)
