"""`/standup`: answer today's standup, join or leave, out of office, reports, history,
and (admins) configure standups and their participants."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.errors import NotFoundError, OpsbotError, UsageError
from bot.ids import ActionId, Command
from bot.messaging import standups as standup_slack
from bot.messaging.profiles import require_admin
from bot.models import Standup
from bot.parsing import command_text, parse_channel_ref, parse_user_ref, split_options
from bot.services import standups
from bot.services.schedule import ScheduleValueError, parse_days, parse_time, parse_timezone

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session

    from bot.runtime import Runtime

USAGE = "/standup [#channel] | join | leave | ooo | report | history | config | add | remove | help"
USAGES = {
    "config": "/standup config #channel time=HH:MM [days=mon-fri] [report=HH:MM] "
    '[tz=Area/City] [questions="…|…|…"]',
    "join": "/standup join [#channel]",
    "leave": "/standup leave [#channel]",
    "add": "/standup add @user… [#channel]",
    "remove": "/standup remove @user… [#channel]",
    "ooo": "/standup ooo YYYY-MM-DD [YYYY-MM-DD] | /standup ooo cancel",
    "report": "/standup report [YYYY-MM-DD] [#channel]",
    "history": "/standup history [@user] [7d]",
}
CONFIG_OPTIONS = {"time", "days", "report", "tz", "questions"}
MAX_QUESTIONS = 6
MAX_QUESTION_CHARS = 150
MAX_HISTORY_DAYS = 90
MAX_OOO_DAYS = 366
_PERIOD = re.compile(r"^(\d{1,3})d$")


@dataclass(frozen=True)
class Request:
    """Who typed the command where, and the words after the subcommand."""

    team_id: str
    user_id: str
    channel_id: str
    words: list[str]
    options: dict[str, str]


def _date(word: str, usage: str) -> date:
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise UsageError(
            f"`{word}` is not a date; use YYYY-MM-DD such as 2026-03-09.", usage
        ) from None


def _channels_and_rest(words: list[str]) -> tuple[list[str], list[str]]:
    channels = [c for c in map(parse_channel_ref, words) if c]
    rest = [w for w in words if not parse_channel_ref(w)]
    return channels, rest


def _one_channel(words: list[str], usage: str) -> tuple[str | None, list[str]]:
    channels, rest = _channels_and_rest(words)
    if len(channels) > 1:
        raise UsageError("Name one standup channel at a time.", usage)
    return (channels[0] if channels else None), rest


def _no_extra(words: list[str], usage: str) -> None:
    if words:
        raise UsageError(f"`{' '.join(words)}` is not understood here.", usage)


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
    def config(session: Session, client: WebClient, request: Request) -> dict[str, Any]:
        usage = USAGES["config"]
        channel_id, rest = _one_channel(request.words, usage)
        _no_extra(rest, usage)
        if channel_id is None and not request.options:
            return _config_message(session, request.team_id, "Standups in this workspace:", None)
        require_admin(
            runtime,
            session,
            client,
            team_id=request.team_id,
            user_id=request.user_id,
            action="configure standups",
        )
        if channel_id is None:
            raise UsageError("Name the standup's channel.", usage)
        options = request.options
        try:
            remind_at = parse_time(options["time"]) if "time" in options else None
            report_at = parse_time(options["report"]) if "report" in options else None
            days = parse_days(options["days"]) if "days" in options else None
            tz = parse_timezone(options["tz"]).key if "tz" in options else None
        except ScheduleValueError as exc:
            raise UsageError(str(exc), usage) from None
        questions = _questions(options["questions"]) if "questions" in options else None
        if remind_at is None and not standups.find_standup(
            session, team_id=request.team_id, channel_id=channel_id
        ):
            raise UsageError("A new standup needs its reminder time, such as time=08:30.", usage)
        standup, created = standups.configure(
            session,
            team_id=request.team_id,
            channel_id=channel_id,
            user_id=request.user_id,
            now=runtime.clock.now(),
            remind_at=remind_at,
            report_at=report_at,
            days=days,
            timezone=tz,
            questions=questions,
            default_timezone=runtime.settings.opsbot_timezone,
        )
        headline = (
            "Standup created. People join with `/standup join` in its channel."
            if created
            else "Standup updated."
        )
        return _config_message(session, request.team_id, headline, standup.id)

    def membership(session: Session, client: WebClient, request: Request, action: str) -> dict:
        usage = USAGES[action]
        channel_id, rest = _one_channel(request.words, usage)
        if action in ("join", "leave"):
            _no_extra(rest, usage)
            users = [request.user_id]
        else:
            require_admin(
                runtime,
                session,
                client,
                team_id=request.team_id,
                user_id=request.user_id,
                action=f"{action} standup participants",
            )
            users = [parse_user_ref(word) for word in rest]
            if not users or None in users:
                raise UsageError("Name the people with @mentions.", usage)
        standup = _resolve(
            session,
            request,
            channel_id=channel_id,
            usage=usage,
            among="mine" if action == "leave" else "all",
        )
        changed, unchanged = [], []
        for user_id in dict.fromkeys(u for u in users if u):
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
        return render(
            "messages/standup_membership",
            action=action,
            channel_id=standup.channel_id,
            changed=changed,
            unchanged=unchanged,
            remind_at=standup.remind_at,
            days=standup.days,
        )

    def ooo(session: Session, client: WebClient, request: Request) -> dict[str, Any]:
        usage = USAGES["ooo"]
        today, _tz = standup_slack.today_for(
            runtime, session, client, team_id=request.team_id, user_id=request.user_id
        )
        words = request.words
        if [w.lower() for w in words] in (["cancel"], ["off"], ["clear"]):
            cancelled = standups.cancel_aways(
                session, team_id=request.team_id, user_id=request.user_id, today=today
            )
            return render("messages/standup_ooo", cancelled=cancelled, starts_on=None, ends_on=None)
        if len(words) not in (1, 2):
            raise UsageError("Give the first and last day you are out.", usage)
        starts_on = _date(words[0], usage)
        ends_on = _date(words[-1], usage)
        if ends_on < starts_on:
            raise UsageError("The last day comes before the first.", usage)
        if ends_on < today:
            raise UsageError("Those days are already over.", usage)
        if (ends_on - starts_on).days >= MAX_OOO_DAYS:
            raise UsageError("An out-of-office period can last a year at most.", usage)
        standups.add_away(
            session,
            team_id=request.team_id,
            user_id=request.user_id,
            starts_on=starts_on,
            ends_on=ends_on,
            now=runtime.clock.now(),
        )
        return render("messages/standup_ooo", cancelled=None, starts_on=starts_on, ends_on=ends_on)

    def report(session: Session, client: WebClient, request: Request) -> dict[str, Any]:
        usage = USAGES["report"]
        channel_id, rest = _one_channel(request.words, usage)
        if len(rest) > 1:
            raise UsageError(f"`{' '.join(rest)}` is not understood here.", usage)
        standup = _resolve(session, request, channel_id=channel_id, usage=usage, among="mine-first")
        zone = standups.zone_of(standup.timezone, runtime.settings.opsbot_timezone)
        local_date = _date(rest[0], usage) if rest else runtime.clock.now().astimezone(zone).date()
        day = standups.day_report(
            session, team_id=request.team_id, standup=standup, local_date=local_date
        )
        return standup_slack.report_message(day)

    def history(session: Session, client: WebClient, request: Request) -> dict[str, Any]:
        usage = USAGES["history"]
        user_id, days = request.user_id, 7
        for word in request.words:
            period = _PERIOD.match(word.lower())
            if parse_user_ref(word):
                user_id = parse_user_ref(word) or user_id
            elif period and 1 <= int(period.group(1)) <= MAX_HISTORY_DAYS:
                days = int(period.group(1))
            else:
                raise UsageError(
                    f"`{word}` is not a person or a period from 1d to {MAX_HISTORY_DAYS}d.", usage
                )
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
            since=today - timedelta(days=days - 1),
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
        return render("messages/standup_history", user_id=user_id, days=days, items=items)

    subcommands = {
        "config": config,
        "join": lambda s, c, r: membership(s, c, r, "join"),
        "leave": lambda s, c, r: membership(s, c, r, "leave"),
        "add": lambda s, c, r: membership(s, c, r, "add"),
        "remove": lambda s, c, r: membership(s, c, r, "remove"),
        "ooo": ooo,
        "report": report,
        "history": history,
    }

    @app.command(Command.STANDUP)
    def standup_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        words = split_options(command_text(command), CONFIG_OPTIONS)
        first = words.positional[0].lower() if words.positional else ""
        if first == "help":
            ack(**render("messages/standup_help"))
            return
        if first and first not in subcommands and not parse_channel_ref(words.positional[0]):
            raise UsageError(f"`/standup {first}` is not a /standup command.", USAGE)
        if words.options and first != "config":
            raise UsageError("Options like time= only go with `/standup config`.", USAGES["config"])
        request = Request(
            team_id=command["team_id"],
            user_id=command["user_id"],
            channel_id=command.get("channel_id") or "",
            words=words.positional[1:] if first in subcommands else words.positional,
            options=words.options,
        )
        if first in subcommands:
            with runtime.db.session() as session:
                message = subcommands[first](session, client, request)
            ack(**message)
            return
        with runtime.db.session() as session:
            view, picker = _answer_or_pick(session, client, request)
        if picker is not None:
            ack(**picker)
            return
        ack()
        client.views_open(trigger_id=command["trigger_id"], view=view)

    def _answer_or_pick(
        session: Session, client: WebClient, request: Request
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(the modal to open, or the picker to show when the caller is in several standups)."""
        channel_id, rest = _one_channel(request.words, USAGE)
        _no_extra(rest, USAGE)
        if channel_id is not None:
            standup = _resolve(session, request, channel_id=channel_id, usage=USAGE, among="all")
            mine = [standup]
        else:
            mine = standups.standups_of_user(
                session, team_id=request.team_id, user_id=request.user_id
            )
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
            return None, picker
        view = standup_slack.answer_modal(
            runtime,
            session,
            client,
            team_id=request.team_id,
            user_id=request.user_id,
            standup=mine[0],
        )
        return view, None


def _questions(text: str) -> list[str]:
    questions = [q.strip() for q in text.split("|") if q.strip()]
    if not questions or len(questions) > MAX_QUESTIONS:
        raise UsageError(f"Give 1 to {MAX_QUESTIONS} questions separated by |.", USAGES["config"])
    if any(len(q) > MAX_QUESTION_CHARS for q in questions):
        raise UsageError(
            f"Keep each question under {MAX_QUESTION_CHARS} characters.", USAGES["config"]
        )
    return questions


def _config_message(
    session: Session, team_id: str, headline: str, standup_id: int | None
) -> dict[str, Any]:
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
        }
        for s in shown
    ]
    return render("messages/standup_config", headline=headline, standups=items)
