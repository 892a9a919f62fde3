"""`/standup`: answer today's standup, join or leave, out of office, reports, history,
and (admins) configure standups and their participants."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.errors import NotFoundError, OpsbotError, UsageError
from bot.grammar import standup as grammar
from bot.ids import ActionId, Command
from bot.messaging import standups as standup_slack
from bot.messaging.profiles import profile, require_admin
from bot.models import Standup
from bot.parsing import command_text
from bot.services import holidays, standups

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session

    from bot.runtime import Runtime


# What each admin-only command does, as "Only workspace admins can …" names it.
ADMIN_ONLY: dict[type[grammar.StandupCommand], str] = {
    grammar.Configure: "configure standups",
    grammar.AddPeople: "add standup participants",
    grammar.RemovePeople: "remove standup participants",
}


@dataclass(frozen=True)
class Request:
    """Who typed the command, and where."""

    team_id: str
    user_id: str
    channel_id: str


def _resolve(
    session: Session, request: Request, *, channel_id: str | None, usage: str, among: str
) -> Standup:
    """The standup named by channel, else the one of this channel, else the only candidate:
    among "all" standups, "mine" (the caller's), or "mine-first" (the caller's if any)."""
    if channel_id:
        standup = standups.find_standup(session, team_id=request.team_id, channel_id=channel_id)
        if standup is None:
            raise NotFoundError(
                "No standup runs in that channel. An admin starts one with "
                "`/standup config #channel time=08:30`."
            )
        return standup
    here = standups.find_standup(session, team_id=request.team_id, channel_id=request.channel_id)
    if here is not None:
        return here
    pool = []
    if among != "all":
        pool = standups.standups_of_user(session, team_id=request.team_id, user_id=request.user_id)
    if among == "all" or (among == "mine-first" and not pool):
        pool = standups.list_standups(session, team_id=request.team_id)
    if len(pool) == 1:
        return pool[0]
    if not pool:
        raise NotFoundError(
            "You are not in any standup."
            if among == "mine"
            else "No standup is set up in this workspace yet."
        )
    raise UsageError("Several standups run in this workspace; name the channel.", usage)


def register(app: App, runtime: Runtime) -> None:
    @app.command(Command.STANDUP)
    def standup_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        parsed = grammar.parse(command_text(command))
        request = Request(
            team_id=command["team_id"],
            user_id=command["user_id"],
            channel_id=command.get("channel_id") or "",
        )
        admin_action = ADMIN_ONLY.get(type(parsed))
        view = None
        with runtime.db.session() as session:
            if admin_action:
                require_admin(
                    runtime,
                    session,
                    client,
                    team_id=request.team_id,
                    user_id=request.user_id,
                    action=admin_action,
                )
            match parsed:
                case grammar.Help():
                    reply = render("messages/standup_help")
                case grammar.Answer(channel_id=channel_id):
                    reply, view = _answer_or_pick(
                        runtime, session, client, request, channel_id=channel_id
                    )
                case grammar.ShowConfig():
                    reply = _config_message(
                        runtime, session, request.team_id, "Standups in this workspace:", None
                    )
                case grammar.Configure():
                    reply = _configure(runtime, session, request, parsed)
                case grammar.Join(channel_id=channel_id):
                    reply = _membership(
                        runtime, session, client, request, "join", channel_id, [request.user_id]
                    )
                case grammar.Leave(channel_id=channel_id):
                    reply = _membership(
                        runtime, session, client, request, "leave", channel_id, [request.user_id]
                    )
                case grammar.AddPeople(user_ids=user_ids, channel_id=channel_id):
                    reply = _membership(
                        runtime, session, client, request, "add", channel_id, user_ids
                    )
                case grammar.RemovePeople(user_ids=user_ids, channel_id=channel_id):
                    reply = _membership(
                        runtime, session, client, request, "remove", channel_id, user_ids
                    )
                case grammar.OutOfOffice() | grammar.CancelOutOfOffice():
                    reply = _out_of_office(runtime, session, client, request, parsed)
                case grammar.Report():
                    reply = _report(runtime, session, request, parsed)
                case grammar.History():
                    reply = _history(runtime, session, request, parsed)
        ack(**reply)
        if view is not None:
            client.views_open(trigger_id=command["trigger_id"], view=view)


def _configure(
    runtime: Runtime, session: Session, request: Request, parsed: grammar.Configure
) -> dict[str, Any]:
    if parsed.remind_at is None and not standups.find_standup(
        session, team_id=request.team_id, channel_id=parsed.channel_id
    ):
        raise UsageError(
            "A new standup needs its reminder time, such as time=08:30.", grammar.CONFIG_USAGE
        )
    standup, created = standups.configure(
        session,
        team_id=request.team_id,
        channel_id=parsed.channel_id,
        user_id=request.user_id,
        now=runtime.clock.now(),
        remind_at=parsed.remind_at,
        report_at=parsed.report_at,
        days=parsed.days,
        timezone=parsed.timezone,
        questions=list(parsed.questions) if parsed.questions is not None else None,
        default_timezone=runtime.settings.opsbot_timezone,
        holiday_calendar=parsed.holidays,
        skip=parsed.skip,
    )
    headline = (
        "Standup created. People join with `/standup join` in its channel."
        if created
        else "Standup updated."
    )
    return _config_message(runtime, session, request.team_id, headline, standup.id)


def _membership(
    runtime: Runtime,
    session: Session,
    client: WebClient,
    request: Request,
    action: str,
    channel_id: str | None,
    user_ids: Sequence[str],
) -> dict[str, Any]:
    """Join, leave, add or remove: `user_ids` into or out of the standup named or found; a
    person who joins in a timezone where the reminder comes after the report is warned
    about (their timezone is read from Slack first)."""
    standup = _resolve(
        session,
        request,
        channel_id=channel_id,
        usage=grammar.USAGES[action],
        among="mine" if action == "leave" else "all",
    )
    changed, unchanged = [], []
    for user_id in user_ids:
        if action in ("join", "add"):
            done = standups.join(
                session,
                team_id=request.team_id,
                standup_id=standup.id,
                user_id=user_id,
                now=runtime.clock.now(),
            )
        else:
            done = standups.leave(
                session, team_id=request.team_id, standup_id=standup.id, user_id=user_id
            )
        (changed if done else unchanged).append(user_id)
    late = []
    if action in ("join", "add") and changed:
        for user_id in changed:
            profile(runtime, session, client, team_id=request.team_id, user_id=user_id)
        late = standups.late_reminders(session, standup, now=runtime.clock.now(), user_ids=changed)
    return render(
        "messages/standup_membership",
        action=action,
        channel_id=standup.channel_id,
        changed=changed,
        unchanged=unchanged,
        remind_at=standup.remind_at,
        report_at=standup.report_at,
        team_zone=standup.timezone,
        days=standup.days,
        late=late,
    )


def _out_of_office(
    runtime: Runtime,
    session: Session,
    client: WebClient,
    request: Request,
    parsed: grammar.OutOfOffice | grammar.CancelOutOfOffice,
) -> dict[str, Any]:
    today, _tz = standup_slack.today_for(
        runtime, session, client, team_id=request.team_id, user_id=request.user_id
    )
    if isinstance(parsed, grammar.CancelOutOfOffice):
        cancelled = standups.cancel_aways(
            session, team_id=request.team_id, user_id=request.user_id, today=today
        )
        return render("messages/standup_ooo", cancelled=cancelled, starts_on=None, ends_on=None)
    if parsed.ends_on < today:
        raise UsageError("Those days are already over.", grammar.USAGES["ooo"])
    standups.add_away(
        session,
        team_id=request.team_id,
        user_id=request.user_id,
        starts_on=parsed.starts_on,
        ends_on=parsed.ends_on,
        now=runtime.clock.now(),
    )
    return render(
        "messages/standup_ooo", cancelled=None, starts_on=parsed.starts_on, ends_on=parsed.ends_on
    )


def _report(
    runtime: Runtime, session: Session, request: Request, parsed: grammar.Report
) -> dict[str, Any]:
    standup = _resolve(
        session,
        request,
        channel_id=parsed.channel_id,
        usage=grammar.USAGES["report"],
        among="mine-first",
    )
    zone = standups.zone_of(standup.timezone, runtime.settings.opsbot_timezone)
    today = runtime.clock.now().astimezone(zone).date()
    local_date = parsed.local_date or today - timedelta(days=parsed.days_ago)
    day = standups.day_report(
        session,
        team_id=request.team_id,
        standup=standup,
        local_date=local_date,
        now=runtime.clock.now(),
    )
    return standup_slack.report_message(day)


def _history(
    runtime: Runtime, session: Session, request: Request, parsed: grammar.History
) -> dict[str, Any]:
    user_id = parsed.user_id or request.user_id
    zone = standups.user_zone(
        session,
        team_id=request.team_id,
        user_id=user_id,
        fallback=runtime.settings.opsbot_timezone,
    )
    today = runtime.clock.now().astimezone(zone).date()
    found = standups.history(
        session,
        team_id=request.team_id,
        user_id=user_id,
        since=today - timedelta(days=parsed.days - 1),
    )
    items = [
        (
            standup,
            answer,
            standup_slack.fit_answers(
                standups.answers_of(answer), standup_slack.HISTORY_SECTION_CHARS
            ),
        )
        for standup, answer in found
    ]
    return render("messages/standup_history", user_id=user_id, days=parsed.days, items=items)


def _answer_or_pick(
    runtime: Runtime,
    session: Session,
    client: WebClient,
    request: Request,
    *,
    channel_id: str | None,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(the reply, the modal to open): an empty reply and the answer modal, or the picker
    when the caller is in several standups and named none."""
    if channel_id is not None:
        standup = _resolve(
            session, request, channel_id=channel_id, usage=grammar.USAGE, among="all"
        )
        mine = [standup]
    else:
        mine = standups.standups_of_user(session, team_id=request.team_id, user_id=request.user_id)
    if not mine:
        raise OpsbotError(
            "You are not in any standup yet. Join one with `/standup join` in its channel."
        )
    if len(mine) > 1:
        picker = render(
            "messages/standup_prompt",
            reminder=False,
            standups=mine,
            local_date=None,
            action_id=ActionId.STANDUP_OPEN,
        )
        return picker, None
    view = standup_slack.answer_modal(
        runtime,
        session,
        client,
        team_id=request.team_id,
        user_id=request.user_id,
        standup=mine[0],
    )
    return {}, view


def _config_message(
    runtime: Runtime, session: Session, team_id: str, headline: str, standup_id: int | None
) -> dict[str, Any]:
    """The settings of the standup (or all of them), each with its warnings: reminders that
    come after the report, and no question about blockers."""
    shown = [
        s
        for s in standups.list_standups(session, team_id=team_id)
        if standup_id is None or s.id == standup_id
    ]
    items = [
        {
            "standup": s,
            "questions": standups.questions_of(s),
            "participants": standups.participants(session, team_id=team_id, standup_id=s.id),
            "late": standups.late_reminders(session, s, now=runtime.clock.now()),
            "tracks_blockers": standups.has_blocker_question(s),
            "calendar": standups.calendar_of(s),
            "next_off": holidays.next_holidays(
                standups.calendar_of(s),
                today=runtime.clock.now().astimezone(standups.zone_of(s.timezone, "UTC")).date(),
            ),
        }
        for s in shown
    ]
    return render("messages/standup_config", headline=headline, standups=items)
