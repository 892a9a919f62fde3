"""`/escalate`: open, list, show, acknowledge, resolve, reopen, assign, stats and config."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.errors import UsageError
from bot.grammar import escalate as grammar
from bot.ids import Command
from bot.messaging import escalations as messages
from bot.messaging.profiles import admins_to_page, is_admin, require_admin
from bot.parsing import (
    command_text,
    parse_channel_ref,
    parse_duration,
    parse_user_ref,
    split_words,
)
from bot.services import escalations

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from slack_bolt import Ack, App
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session

    from bot.runtime import Runtime

USAGE = (
    "/escalate [sev1|sev2|sev3|sev4] <summary> | list [open|mine|all] | show ESC-<n> | "
    "ack|resolve|reopen ESC-<n> [note] | assign ESC-<n> @user | severity ESC-<n> sevN | "
    "cancel ESC-<n> [duplicate=ESC-<m>] [reason] | stats [7d|30d|90d] | config | help"
)
LIST_USAGE = "/escalate list [open|mine|all]"
SHOW_USAGE = "/escalate show ESC-<n>"
ACK_USAGE = "/escalate ack ESC-<n> [note]"
RESOLVE_USAGE = "/escalate resolve ESC-<n> [cause=<word>] [note]"
REOPEN_USAGE = "/escalate reopen ESC-<n> [note]"
ASSIGN_USAGE = "/escalate assign ESC-<n> @user"
SEVERITY_USAGE = "/escalate severity ESC-<n> sev1|sev2|sev3|sev4"
STATS_USAGE = "/escalate stats [7d|30d|90d]"
CONFIG_USAGE = (
    "/escalate config channel #channel | config oncall [sevN] @l1 [@l2 …] | "
    "config oncall [sevN] off | config sla sevN <duration> | config resolve sevN <duration> | "
    "config causes <cause>,<cause>,…"
)
LIST_LIMIT = 25
_CAUSE_OPTION = re.compile(r"(?:^|\s)cause=(\S*)", re.IGNORECASE)
_MENTION_LABEL = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$")
_DUPLICATE_OPTION = re.compile(r"(?:^|\s)duplicate=(\S*)", re.IGNORECASE)


class Request:
    """One `/escalate` invocation: who, where, and the words after the subcommand."""

    def __init__(self, runtime: Runtime, command: dict[str, Any], client: WebClient) -> None:
        self.runtime = runtime
        self.client = client
        self.team_id = str(command["team_id"])
        self.user_id = str(command["user_id"])
        self.channel_id = str(command.get("channel_id") or "") or None
        self.trigger_id = str(command.get("trigger_id") or "")
        text = command_text(command)
        word, _, rest = text.partition(" ")
        self.text = text
        self.subcommand = word.lower()
        self.rest = rest.strip()


def _ref_and_note(rest: str, usage: str) -> tuple[int, str]:
    ref, _, note = rest.partition(" ")
    if not ref:
        raise UsageError("Say which escalation, e.g. ESC-12.", usage)
    try:
        return escalations.parse_ref(ref), note.strip()
    except UsageError as error:
        raise UsageError(error.message, usage) from None


def register(app: App, runtime: Runtime) -> None:
    @app.command(Command.ESCALATE)
    def escalate_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        request = Request(runtime, command, client)
        if not request.text:
            ack()
            client.views_open(trigger_id=request.trigger_id, view=messages.open_modal_view())
            return
        match grammar.parse(request.text):
            case grammar.Subcommand(name=name):
                SUBCOMMANDS[name](request, ack)
            case grammar.OpenNow(severity=severity, summary=summary):
                _open_now(request, ack, severity=severity, summary=summary)
            case grammar.DidYouMean() as guess:
                ack(**messages.render_did_you_mean(guess))


def _help(request: Request, ack: Ack) -> None:
    if request.rest:
        raise UsageError("`/escalate help` takes no arguments.", USAGE)
    ack(**render("messages/escalation_help", sla=escalations.DEFAULT_SLA_MINUTES))


def _open_now(request: Request, ack: Ack, *, severity: str | None, summary: str) -> None:
    runtime = request.runtime
    now = runtime.clock.now()
    with runtime.db.session() as session:
        escalation = escalations.open_escalation(
            session,
            team_id=request.team_id,
            reporter_id=request.user_id,
            summary=summary,
            details="",
            severity=severity or escalations.DEFAULT_SEVERITY,
            opened_in=request.channel_id,
            fallback_chain=admins_to_page(runtime, session, team_id=request.team_id),
            now=now,
        )
        messages.announce_opened(session, escalation, now=now)
        reply = messages.render_opened(session, escalation, now=now)
    ack(**reply)


def _list(request: Request, ack: Ack) -> None:
    scope = request.rest.lower() or "open"
    runtime = request.runtime
    now = runtime.clock.now()
    with runtime.db.session() as session:
        if scope == "open":
            items = escalations.open_escalations(session, team_id=request.team_id, now=now)
            total, title, empty = len(items), "Open escalations", "Nothing is open. :tada:"
        elif scope == "mine":
            items = escalations.escalations_for_user(
                session, team_id=request.team_id, user_id=request.user_id, now=now
            )
            total, title = len(items), "Your open escalations (owned or reported)"
            empty = "You own or reported nothing that is open."
        elif scope == "all":
            items, total = escalations.recent_escalations(
                session, team_id=request.team_id, now=now, limit=LIST_LIMIT
            )
            title, empty = "All escalations", "No escalations yet."
        else:
            raise UsageError(
                f"`{request.rest}` is not a list; use open, mine or all. To open an escalation "
                "whose summary starts with “list”, put the severity first: "
                "`/escalate sev3 list …`.",
                LIST_USAGE,
            )
    ack(
        **render(
            "messages/escalation_list",
            title=title,
            items=[messages.summary_context(item, now=now) for item in items[:LIST_LIMIT]],
            total=total,
            empty=empty,
        )
    )


def _show(request: Request, ack: Ack) -> None:
    number, extra = _ref_and_note(request.rest, SHOW_USAGE)
    if extra:
        raise UsageError("`show` takes only an escalation id.", SHOW_USAGE)
    runtime = request.runtime
    with runtime.db.session() as session:
        escalation = escalations.get_escalation(session, team_id=request.team_id, number=number)
        events = escalations.timeline(session, escalation=escalation)
        config = escalations.load_config(session, team_id=request.team_id)
    ack(**messages.render_show(escalation, events, now=runtime.clock.now(), config=config))


def _change(
    request: Request,
    ack: Ack,
    apply: Callable[[Session, int, str], escalations.Change],
    usage: str,
) -> None:
    """Apply one lifecycle change, reply to the caller, then tell everyone else."""
    number, note = _ref_and_note(request.rest, usage)
    runtime = request.runtime
    now = runtime.clock.now()
    with runtime.db.session() as session:
        change = apply(session, number, note)
        messages.tell(session, change, now=now)
    ack(**messages.render_update(change, now=now))


def _ack(request: Request, ack: Ack) -> None:
    def apply(session: Session, number: int, note: str) -> escalations.Change:
        return escalations.acknowledge(
            session,
            team_id=request.team_id,
            number=number,
            user_id=request.user_id,
            note=note,
            now=request.runtime.clock.now(),
        )

    _change(request, ack, apply, ACK_USAGE)


def _resolve(request: Request, ack: Ack) -> None:
    def apply(session: Session, number: int, note: str) -> escalations.Change:
        match = _CAUSE_OPTION.search(note)
        cause = match.group(1) if match else None
        text = _CAUSE_OPTION.sub(" ", note, count=1).strip() if match else note
        return escalations.resolve(
            session,
            team_id=request.team_id,
            number=number,
            user_id=request.user_id,
            note=text,
            cause=cause,
            now=request.runtime.clock.now(),
        )

    _change(request, ack, apply, RESOLVE_USAGE)


def _reopen(request: Request, ack: Ack) -> None:
    def apply(session: Session, number: int, note: str) -> escalations.Change:
        return escalations.reopen(
            session,
            team_id=request.team_id,
            number=number,
            user_id=request.user_id,
            note=note,
            now=request.runtime.clock.now(),
        )

    _change(request, ack, apply, REOPEN_USAGE)


def _assign(request: Request, ack: Ack) -> None:
    def apply(session: Session, number: int, rest: str) -> escalations.Change:
        assignee = parse_user_ref(rest)
        if assignee is None:
            raise UsageError("Name the new owner as @user.", ASSIGN_USAGE)
        return escalations.assign(
            session,
            team_id=request.team_id,
            number=number,
            user_id=request.user_id,
            assignee_id=assignee,
            now=request.runtime.clock.now(),
        )

    _change(request, ack, apply, ASSIGN_USAGE)


def _severity(request: Request, ack: Ack) -> None:
    def apply(session: Session, number: int, rest: str) -> escalations.Change:
        severity = grammar.severity_of(rest) if rest and " " not in rest else None
        if severity is None:
            raise UsageError("Give the new severity, e.g. sev1.", SEVERITY_USAGE)
        return escalations.change_severity(
            session,
            team_id=request.team_id,
            number=number,
            user_id=request.user_id,
            severity=severity,
            now=request.runtime.clock.now(),
        )

    _change(request, ack, apply, SEVERITY_USAGE)


def _cancel(request: Request, ack: Ack) -> None:
    def apply(session: Session, number: int, rest: str) -> escalations.Change:
        match = _DUPLICATE_OPTION.search(rest)
        duplicate_of = escalations.parse_ref(match.group(1)) if match else None
        reason = _DUPLICATE_OPTION.sub(" ", rest, count=1).strip() if match else rest
        return escalations.cancel(
            session,
            team_id=request.team_id,
            number=number,
            user_id=request.user_id,
            is_admin=is_admin(
                request.runtime,
                session,
                request.client,
                team_id=request.team_id,
                user_id=request.user_id,
            ),
            reason=reason,
            duplicate_of=duplicate_of,
            now=request.runtime.clock.now(),
        )

    _change(request, ack, apply, escalations.CANCEL_USAGE)


def _stats(request: Request, ack: Ack) -> None:
    period = request.rest.lower() or "30d"
    if period not in escalations.STATS_PERIODS:
        raise UsageError(f"`{request.rest}` is not a period; use 7d, 30d or 90d.", STATS_USAGE)
    runtime = request.runtime
    now = runtime.clock.now()
    with runtime.db.session() as session:
        stats = escalations.escalation_stats(
            session, team_id=request.team_id, days=escalations.STATS_PERIODS[period], now=now
        )
    ack(**messages.render_stats(stats))


def _config(request: Request, ack: Ack) -> None:
    words = split_words(request.rest)
    setting = words[0].lower() if words else ""
    runtime = request.runtime
    now = runtime.clock.now()
    with runtime.db.session() as session:
        if setting:
            require_admin(
                runtime,
                session,
                request.client,
                team_id=request.team_id,
                user_id=request.user_id,
                action="change escalation settings",
            )
        saved = _apply_config(session, request.team_id, setting, words[1:], now=now)
        config = escalations.load_config(session, team_id=request.team_id)
    ack(**messages.render_config(config, saved=saved))


def _apply_config(
    session: Session, team_id: str, setting: str, args: list[str], *, now: datetime
) -> str | None:
    """Change one setting; returns what was saved (None when only showing)."""
    if setting == "":
        return None
    if setting == "channel":
        channel_id = parse_channel_ref(args[0]) if len(args) == 1 else None
        if channel_id is None:
            raise UsageError("Name one channel, e.g. #ops-escalations.", CONFIG_USAGE)
        escalations.set_channel(session, team_id=team_id, channel_id=channel_id, now=now)
        return "New escalations will be posted in that channel."
    if setting == "oncall":
        severity = grammar.severity_of(args[0]) if args else None
        people = args[1:] if severity else args
        scope = severity or "all severities"
        if [word.lower() for word in people] == ["off"]:
            escalations.set_chain(session, team_id=team_id, severity=severity, user_ids=[], now=now)
            return f"Removed the on-call chain for {scope}."
        chain = _chain(people)
        escalations.set_chain(session, team_id=team_id, severity=severity, user_ids=chain, now=now)
        return f"Saved the on-call chain for {scope} ({len(chain)} levels), shown below."
    if setting in ("sla", "resolve"):
        severity = grammar.severity_of(args[0]) if len(args) == 2 else None
        duration = parse_duration(args[1]) if len(args) == 2 else None
        if severity is None or duration is None:
            raise UsageError(
                f"Give a severity and a duration, e.g. `{setting} sev1 1h30m` "
                "(durations: 90m, 1h30m, 2h, 1d).",
                CONFIG_USAGE,
            )
        if duration % timedelta(minutes=1):
            raise UsageError("Durations are whole minutes, e.g. 90m or 1h30m.", CONFIG_USAGE)
        minutes = int(duration.total_seconds() // 60)
        if setting == "sla":
            escalations.set_sla(
                session, team_id=team_id, severity=severity, minutes=minutes, now=now
            )
            return (
                f"{severity} escalations must now be acknowledged within "
                f"{messages.format_duration(duration)}."
            )
        escalations.set_resolve_target(
            session, team_id=team_id, severity=severity, minutes=minutes, now=now
        )
        return (
            f"An acknowledged {severity} escalation not resolved within "
            f"{messages.format_duration(duration)} is raised with its owner and in the huddle."
        )
    if setting == "causes":
        causes = [word.strip().lower() for word in " ".join(args).split(",") if word.strip()]
        saved = escalations.set_causes(session, team_id=team_id, causes=causes, now=now)
        return f"Saved the causes: {', '.join(saved)}."
    raise UsageError(f"`{setting}` is not an escalation setting.", CONFIG_USAGE)


def _person(word: str) -> str:
    """How a person typed as `<@U123|maria>` is named in a message: `@maria`."""
    match = _MENTION_LABEL.match(word)
    return f"@{match.group(2) or match.group(1)}" if match else word


def _chain(words: list[str]) -> list[str]:
    """@user words → user ids, level 1 first; a word that is not a person, or a person
    named twice, is refused by name."""
    if not words:
        raise UsageError("List the chain as @users, level 1 first.", CONFIG_USAGE)
    chain: list[str] = []
    for word in words:
        user_id = parse_user_ref(word)
        if user_id is None:
            raise UsageError(
                f"`{word}` is not a person I can page. Pick people with @ so that Slack "
                "turns them into mentions.",
                CONFIG_USAGE,
            )
        if user_id in chain:
            raise UsageError(
                f"{_person(word)} is in the chain twice; name each person once.", CONFIG_USAGE
            )
        chain.append(user_id)
    return chain


SUBCOMMANDS: dict[str, Callable[[Request, Ack], None]] = {
    "help": _help,
    "list": _list,
    "show": _show,
    "ack": _ack,
    "acknowledge": _ack,
    "resolve": _resolve,
    "reopen": _reopen,
    "assign": _assign,
    "severity": _severity,
    "cancel": _cancel,
    "stats": _stats,
    "config": _config,
}
