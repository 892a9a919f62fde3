"""`/oncall`: who is on call, schedules and their layers, overrides, settings, and the
shifts ahead with a timeline. Parsed by `bot.grammar.oncall`; replies are in the ack, the
timeline is drawn and uploaded by the delivery worker (see `bot.messaging.oncall`)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from bot.blocks import render
from bot.errors import ConflictError, NotFoundError, PermissionDeniedError, UsageError
from bot.grammar import oncall as grammar
from bot.ids import Command
from bot.messaging import handover as handover_messages
from bot.messaging import oncall as messages
from bot.messaging.profiles import is_admin, require_admin, user_zone
from bot.parsing import command_text
from bot.services import handover, oncall, outbox, rotation

if TYPE_CHECKING:
    from datetime import datetime

    from slack_bolt import Ack, App
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session

    from bot.models import OncallSchedule
    from bot.runtime import Runtime

# The commands only admins may use, by the word that names them.
ADMIN_ONLY: dict[type, str] = {
    grammar.Create: "create",
    grammar.AddLayer: "layer",
    grammar.Delete: "delete",
    grammar.Config: "config",
}
OTHERS_OVERRIDE = (
    "Only admins can put someone else on call. You can put yourself in: "
    "`/oncall override {name} me now +8h`."
)


def register(app: App, runtime: Runtime) -> None:
    @app.command(Command.ONCALL)
    def oncall_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        parsed = grammar.parse(command_text(command))
        if isinstance(parsed, grammar.Help):
            ack(**render("messages/oncall_help"))
            return
        if isinstance(parsed, grammar.Handover):
            _handover(runtime, ack, command, client, parsed)
            return
        team_id, user_id = command["team_id"], command["user_id"]
        now = runtime.clock.now()
        with runtime.db.session() as session:
            admin_word = ADMIN_ONLY.get(type(parsed))
            if admin_word:
                require_admin(
                    runtime,
                    session,
                    client,
                    team_id=team_id,
                    user_id=user_id,
                    action=f"use `/oncall {admin_word}`",
                )
            zone = user_zone(runtime, session, client, team_id=team_id, user_id=user_id)
            match parsed:
                case grammar.Overview():
                    reply = messages.render_overview(session, team_id=team_id, now=now)
                case grammar.Create() | grammar.AddLayer():
                    reply = _add_layer(
                        session, parsed, team_id=team_id, user_id=user_id, zone=zone, now=now
                    )
                case grammar.Delete(name=name):
                    schedule = oncall.find_schedule(session, team_id=team_id, name=name)
                    reply = messages.render_delete_confirm(session, schedule=schedule)
                case grammar.Config():
                    reply = _configure(session, parsed, client, team_id=team_id, now=now)
                case grammar.Override():
                    if parsed.user_id == grammar.SELF:
                        parsed = replace(parsed, user_id=user_id)
                    if parsed.user_id != user_id and not is_admin(
                        runtime, session, client, team_id=team_id, user_id=user_id
                    ):
                        raise PermissionDeniedError(OTHERS_OVERRIDE.format(name=parsed.name))
                    reply = _override(
                        session, parsed, team_id=team_id, user_id=user_id, zone=zone, now=now
                    )
                case grammar.Overrides(name=name):
                    schedule = oncall.find_schedule(session, team_id=team_id, name=name)
                    reply = messages.render_overrides(session, schedule=schedule, now=now)
                case grammar.Show(name=name, days=days):
                    schedule = oncall.find_schedule(session, team_id=team_id, name=name)
                    showing = messages.Showing(
                        schedule.id, now, days, command["channel_id"], user_id
                    )
                    reply = messages.answer_show(
                        session,
                        schedule=schedule,
                        showing=showing,
                        zone=zone,
                        response_url=str(command.get("response_url") or ""),
                        now=now,
                    )
        ack(**reply)


def _add_layer(
    session: Session,
    request: grammar.Create | grammar.AddLayer,
    *,
    team_id: str,
    user_id: str,
    zone: ZoneInfo,
    now: datetime,
) -> dict[str, Any]:
    """`/oncall create` (in `tz=`, else the caller's timezone) or `/oncall layer`."""
    usage = grammar.CREATE_USAGE if isinstance(request, grammar.Create) else grammar.LAYER_USAGE
    try:
        if isinstance(request, grammar.Create):
            tz = request.tz or zone.key
            schedule = oncall.create_schedule(
                session,
                team_id=team_id,
                name=request.name,
                tz=tz,
                layer=request.layer.spec(now.astimezone(ZoneInfo(tz)).date()),
                created_by=user_id,
                now=now,
            )
            event = "created"
        else:
            schedule = oncall.find_schedule(session, team_id=team_id, name=request.name)
            today = now.astimezone(ZoneInfo(schedule.tz)).date()
            oncall.add_layer(
                session,
                schedule=schedule,
                layer=request.layer.spec(today),
                created_by=user_id,
                now=now,
            )
            event = "layer"
    except rotation.RotationError as exc:
        raise UsageError(str(exc), usage) from None
    return messages.render_changed(session, schedule=schedule, event=event, now=now)


def _configure(
    session: Session, request: grammar.Config, client: WebClient, *, team_id: str, now: datetime
) -> dict[str, Any]:
    schedule = oncall.find_schedule(session, team_id=team_id, name=request.name)
    if request.changes_nothing:
        return messages.render_config(schedule, saved=False)
    shared_with: list[OncallSchedule] = []
    if request.usergroup_id:
        shared_with = oncall.check_usergroup(
            session,
            schedule=schedule,
            usergroup_id=request.usergroup_id,
            known=_usergroups(client),
        )
    oncall.configure(
        session,
        schedule=schedule,
        channel_id=request.channel_id,
        usergroup_id=request.usergroup_id,
        notice_minutes=request.notice_minutes,
        now=now,
    )
    if not request.usergroup_id:
        return messages.render_config(schedule, saved=True, group_shared_with=shared_with)
    current = handover_messages.usergroup_to_current(session, schedule=schedule, now=now)
    return messages.render_config(
        schedule, saved=True, group_shared_with=shared_with, group_set=True, group_user=current
    )


def _usergroups(client: WebClient) -> dict[str, str]:
    """The workspace's enabled user groups, id → handle (usergroups.list: a read, which a
    listener may make)."""
    try:
        listed = client.usergroups_list()
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "failed")
        raise ConflictError(
            f"I could not check the user group with Slack: {outbox.reason_for(error)} "
            "Nothing was saved."
        ) from None
    return {group["id"]: group.get("handle", "") for group in listed.get("usergroups") or []}


def _override(
    session: Session,
    request: grammar.Override,
    *,
    team_id: str,
    user_id: str,
    zone: ZoneInfo,
    now: datetime,
) -> dict[str, Any]:
    schedule = oncall.find_schedule(session, team_id=team_id, name=request.name)
    starts_at, ends_at = request.window(zone, now)
    try:
        override = oncall.add_override(
            session,
            schedule=schedule,
            user_id=request.user_id,
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=user_id,
            now=now,
        )
    except rotation.RotationError as exc:
        raise UsageError(
            f"{str(exc).rstrip('.')} (times are read in your timezone, {zone.key}).",
            grammar.OVERRIDE_USAGE,
        ) from None
    return messages.render_changed(
        session, schedule=schedule, event="override", now=now, override=override
    )


def _handover(
    runtime: Runtime,
    ack: Ack,
    command: dict[str, Any],
    client: WebClient,
    request: grammar.Handover,
) -> None:
    """`/oncall handover [<schedule>] [note]`: the note saved for the next handover, or the
    modal to write it in."""
    team_id, user_id = command["team_id"], command["user_id"]
    now = runtime.clock.now()
    with runtime.db.session() as session:
        choices, note = _note_schedules(session, request, team_id=team_id, user_id=user_id, now=now)
        if note:
            reply = handover_messages.save_note(
                session, schedule=choices[0], user_id=user_id, text=note, now=now
            )
        else:
            modal = handover_messages.note_modal(choices)
    if note:
        ack(**reply)
        return
    ack()
    client.views_open(trigger_id=command["trigger_id"], view=modal)


def _note_schedules(
    session: Session, request: grammar.Handover, *, team_id: str, user_id: str, now: datetime
) -> tuple[list[OncallSchedule], str]:
    """The schedules a note may be for (one when it is to be saved now) and the note."""
    if request.first_word:
        try:
            named = oncall.find_schedule(session, team_id=team_id, name=request.first_word)
        except NotFoundError:
            named = None
        if named is not None:
            return [named], request.after_first_word
        close = handover.mistyped_schedule(session, team_id=team_id, word=request.first_word)
        if close is not None:
            raise UsageError(
                f"There is no schedule `{request.first_word}`. Did you mean `{close}`? "
                f"Nothing was saved.",
                grammar.HANDOVER_USAGE,
            )
    choices = handover.note_schedules(session, team_id=team_id, user_id=user_id, now=now)
    if not choices:
        every = [schedule.name for schedule in oncall.schedules(session, team_id=team_id)]
        example = every[0] if every else "night-leads"
        known = f" The schedules: {', '.join(every[:10])}." if every else ""
        raise UsageError(
            "You are not in any on-call schedule. Name the schedule the note is for, such as "
            f"`/oncall handover {example} Dock 4 door sensor flaky`.{known}",
            grammar.HANDOVER_USAGE,
        )
    if request.text and len(choices) > 1:
        names = " and ".join(schedule.name for schedule in choices[:5])
        raise UsageError(
            f"You are in {names}: say which the note is for, such as "
            f"`/oncall handover {choices[0].name} {request.text}`.",
            grammar.HANDOVER_USAGE,
        )
    return choices, request.text
