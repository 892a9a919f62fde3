"""`/escalate`: open, list, show, acknowledge, resolve, reopen, assign, severity, cancel,
stats and config. The text is parsed by `bot.grammar.escalate`; each typed command has its
function here: a service call, what to tell Slack (the outbox), and the reply in the ack."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.grammar import escalate as grammar
from bot.ids import Command
from bot.messaging import escalations as messages
from bot.messaging.profiles import admins_to_page, is_admin, require_admin
from bot.parsing import command_text
from bot.services import escalations

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from slack_bolt import Ack, App
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session

    from bot.runtime import Runtime

    Change = Callable[[Session], escalations.Change]

LIST_LIMIT = 25


class Request:
    """One `/escalate` invocation: who, where, and what they typed."""

    def __init__(self, runtime: Runtime, command: dict[str, Any], client: WebClient) -> None:
        self.runtime = runtime
        self.client = client
        self.team_id = str(command["team_id"])
        self.user_id = str(command["user_id"])
        self.channel_id = str(command.get("channel_id") or "") or None
        self.trigger_id = str(command.get("trigger_id") or "")
        self.text = command_text(command)


def register(app: App, runtime: Runtime) -> None:
    @app.command(Command.ESCALATE)
    def escalate_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        request = Request(runtime, command, client)
        if not request.text:
            ack()
            client.views_open(trigger_id=request.trigger_id, view=messages.open_modal_view())
            return
        match grammar.parse(request.text):
            case grammar.OpenNow(severity=severity, summary=summary):
                _open_now(request, ack, severity=severity, summary=summary)
            case grammar.DidYouMean() as guess:
                ack(**messages.render_did_you_mean(guess))
            case grammar.Help():
                ack(**render("messages/escalation_help", sla=_default_slas()))
            case grammar.ListEscalations(scope=scope):
                _list(request, ack, scope)
            case grammar.Show(number=number):
                _show(request, ack, number)
            case grammar.Stats(days=days):
                _stats(request, ack, days)
            case (
                grammar.ShowConfig()
                | grammar.ConfigChannel()
                | grammar.ConfigChain()
                | (grammar.ConfigDuration() | grammar.ConfigCauses()) as setting
            ):
                _config(request, ack, setting)
            case change:
                _change(request, ack, _service_call(request, change))


def _default_slas() -> dict[str, timedelta]:
    return {sev: timedelta(minutes=m) for sev, m in escalations.DEFAULT_SLA_MINUTES.items()}


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


def _list(request: Request, ack: Ack, scope: str) -> None:
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
        else:
            items, total = escalations.recent_escalations(
                session, team_id=request.team_id, now=now, limit=LIST_LIMIT
            )
            title, empty = "All escalations", "No escalations yet."
    ack(
        **render(
            "messages/escalation_list",
            title=title,
            items=[messages.summary_context(item, now=now) for item in items[:LIST_LIMIT]],
            total=total,
            empty=empty,
        )
    )


def _show(request: Request, ack: Ack, number: int) -> None:
    runtime = request.runtime
    with runtime.db.session() as session:
        escalation = escalations.get_escalation(session, team_id=request.team_id, number=number)
        events = escalations.timeline(session, escalation=escalation)
        config = escalations.load_config(session, team_id=request.team_id)
    ack(**messages.render_show(escalation, events, now=runtime.clock.now(), config=config))


def _service_call(request: Request, command: grammar.Command) -> Change:
    """The lifecycle service a command calls, for the caller, at the current time."""
    who = {
        "team_id": request.team_id,
        "user_id": request.user_id,
        "now": request.runtime.clock.now(),
    }
    match command:
        case grammar.Acknowledge(number=number, note=note):
            return lambda session: escalations.acknowledge(session, number=number, note=note, **who)
        case grammar.Resolve(number=number, note=note, cause=cause):
            return lambda session: escalations.resolve(
                session, number=number, note=note, cause=cause, **who
            )
        case grammar.Reopen(number=number, note=note):
            return lambda session: escalations.reopen(session, number=number, note=note, **who)
        case grammar.Assign(number=number, user_id=assignee):
            return lambda session: escalations.assign(
                session, number=number, assignee_id=assignee, **who
            )
        case grammar.ChangeSeverity(number=number, severity=severity):
            return lambda session: escalations.change_severity(
                session, number=number, severity=severity, **who
            )
        case grammar.Cancel(number=number, reason=reason, duplicate_of=duplicate_of):
            return lambda session: escalations.cancel(
                session,
                number=number,
                reason=reason,
                duplicate_of=duplicate_of,
                is_admin=is_admin(
                    request.runtime,
                    session,
                    request.client,
                    team_id=request.team_id,
                    user_id=request.user_id,
                ),
                **who,
            )
    raise AssertionError(f"no service for {command!r}")


def _change(request: Request, ack: Ack, apply: Change) -> None:
    """Apply one lifecycle change, queue what everyone else is told, and reply to the caller."""
    runtime = request.runtime
    now = runtime.clock.now()
    with runtime.db.session() as session:
        change = apply(session)
        messages.tell(session, change, now=now)
    ack(**messages.render_update(change, now=now))


def _stats(request: Request, ack: Ack, days: int) -> None:
    runtime = request.runtime
    now = runtime.clock.now()
    with runtime.db.session() as session:
        stats = escalations.escalation_stats(session, team_id=request.team_id, days=days, now=now)
    ack(**messages.render_stats(stats))


def _config(request: Request, ack: Ack, setting: grammar.Command) -> None:
    runtime = request.runtime
    now = runtime.clock.now()
    with runtime.db.session() as session:
        if not isinstance(setting, grammar.ShowConfig):
            require_admin(
                runtime,
                session,
                request.client,
                team_id=request.team_id,
                user_id=request.user_id,
                action="change escalation settings",
            )
        saved = _save(session, request.team_id, setting, now=now)
        config = escalations.load_config(session, team_id=request.team_id)
        reply = messages.render_config(
            config,
            saved=saved,
            describe=lambda chain: escalations.describe_chain(
                session, team_id=request.team_id, chain=chain, now=now
            ),
        )
    ack(**reply)


def _save(session: Session, team_id: str, setting: grammar.Command, *, now: datetime) -> str | None:
    """Change one setting; returns what was saved (None when only showing)."""
    match setting:
        case grammar.ConfigChannel(channel_id=channel_id):
            escalations.set_channel(session, team_id=team_id, channel_id=channel_id, now=now)
            return "New escalations will be posted in that channel."
        case grammar.ConfigChain(severity=severity, user_ids=user_ids):
            escalations.set_chain(
                session, team_id=team_id, severity=severity, user_ids=user_ids, now=now
            )
            scope = severity or "all severities"
            if not user_ids:
                return f"Removed the on-call chain for {scope}."
            return f"Saved the on-call chain for {scope} ({len(user_ids)} levels), shown below."
        case grammar.ConfigDuration(setting="sla", severity=severity, minutes=minutes):
            escalations.set_sla(
                session, team_id=team_id, severity=severity, minutes=minutes, now=now
            )
            within = messages.format_duration(timedelta(minutes=minutes))
            return f"{severity} escalations must now be acknowledged within {within}."
        case grammar.ConfigDuration(severity=severity, minutes=minutes):
            escalations.set_resolve_target(
                session, team_id=team_id, severity=severity, minutes=minutes, now=now
            )
            within = messages.format_duration(timedelta(minutes=minutes))
            return (
                f"An acknowledged {severity} escalation not resolved within {within} is "
                "raised with its owner and in the huddle."
            )
        case grammar.ConfigCauses(causes=causes):
            saved = escalations.set_causes(session, team_id=team_id, causes=causes, now=now)
            return f"Saved the causes: {', '.join(saved)}."
    return None
