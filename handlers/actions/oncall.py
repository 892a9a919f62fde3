"""The buttons of `/oncall`: Remove on an override, the delete confirmation (admins),
Share on a private `/oncall show` answer, and Acknowledge handover in the handover DM.

Like the KPI buttons, these turn Opsbot errors into the reply themselves, with the one
error handler's wording (Bolt forgets an `ack()` when the listener raises right after it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.errors import NotFoundError, OpsbotError, PermissionDeniedError
from bot.ids import ActionId
from bot.messaging import handover as handover_messages
from bot.messaging import oncall as messages
from bot.messaging.profiles import is_admin, require_admin
from bot.models import OncallOverride, OncallSchedule
from bot.services import oncall
from handlers.errors import answer_or_explain, error_message

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_bolt.context.respond import Respond
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session

    from bot.runtime import Runtime

REMOVE_OTHERS = "Only the person in an override, whoever added it, or an admin can remove it."


def _schedule(session: Session, *, team_id: str, value: str) -> OncallSchedule:
    schedule = session.get(OncallSchedule, int(value)) if value.isdigit() else None
    if schedule is None or schedule.team_id != team_id:
        raise NotFoundError("That on-call schedule no longer exists.")
    return schedule


def register(app: App, runtime: Runtime) -> None:
    @app.action(ActionId.ONCALL_OVERRIDE_REMOVE)
    def remove_override(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        """Remove one override, then show the schedule's coverage without it."""
        ack()
        team_id, user_id = body["user"]["team_id"], body["user"]["id"]

        def remove() -> dict[str, Any]:
            now = runtime.clock.now()
            with runtime.db.session() as session:
                value = str(action.get("value") or "")
                row = session.get(OncallOverride, int(value)) if value.isdigit() else None
                if row is None or row.team_id != team_id:
                    raise NotFoundError("That override no longer exists.")
                if user_id not in (row.user_id, row.created_by) and not is_admin(
                    runtime, session, client, team_id=team_id, user_id=user_id
                ):
                    raise PermissionDeniedError(REMOVE_OTHERS)
                removed = oncall.remove_override(
                    session, team_id=team_id, override_id=row.id, removed_by=user_id, now=now
                )
                schedule = _schedule(session, team_id=team_id, value=str(removed.schedule_id))
                return messages.render_changed(
                    session, schedule=schedule, event="removed", now=now, override=removed
                )

        answer_or_explain(respond, remove)

    @app.action(ActionId.ONCALL_DELETE_CONFIRM)
    def confirm_delete(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        team_id, user_id = body["user"]["team_id"], body["user"]["id"]

        def delete() -> dict[str, Any]:
            with runtime.db.session() as session:
                require_admin(
                    runtime,
                    session,
                    client,
                    team_id=team_id,
                    user_id=user_id,
                    action="delete on-call schedules",
                )
                schedule = _schedule(session, team_id=team_id, value=str(action.get("value")))
                return messages.delete_schedule(session, schedule=schedule, now=runtime.clock.now())

        answer_or_explain(respond, delete)

    @app.action(ActionId.ONCALL_DELETE_CANCEL)
    def cancel_delete(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()

        def keep() -> dict[str, Any]:
            with runtime.db.session() as session:
                schedule = _schedule(
                    session, team_id=body["user"]["team_id"], value=str(action.get("value"))
                )
                return render("messages/oncall_notice", event="kept", schedule_name=schedule.name)

        answer_or_explain(respond, keep)

    @app.action(ActionId.ONCALL_SHOW_SHARE)
    def share_show(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        """Share a private `/oncall show` answer, timeline included, in its channel."""
        ack()
        team_id, user_id = body["user"]["team_id"], body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or ""
        try:
            with runtime.db.session() as session:
                notice = messages.share_show(
                    session,
                    team_id=team_id,
                    showing=messages.Showing.of_value(
                        str(action.get("value") or ""), channel=channel, user_id=user_id
                    ),
                    response_url=body["response_url"],
                    now=runtime.clock.now(),
                )
        except OpsbotError as exc:
            notice = error_message(exc)
        if notice is not None:
            respond(response_type="ephemeral", replace_original=False, **notice)

    @app.action(ActionId.ONCALL_HANDOVER_ACK)
    def acknowledge_handover(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        """The incoming person takes the handover: the DM loses its button and says when;
        a double click changes nothing more."""
        ack()
        team_id, user_id = body["user"]["team_id"], body["user"]["id"]

        def take() -> dict[str, Any]:
            value = str(action.get("value") or "")
            if not value.isdigit():
                raise NotFoundError("That handover no longer exists.")
            with runtime.db.session() as session:
                return handover_messages.acknowledge(
                    session,
                    team_id=team_id,
                    handover_id=int(value),
                    user_id=user_id,
                    blocks=list((body.get("message") or {}).get("blocks") or []),
                    now=runtime.clock.now(),
                )

        answer_or_explain(respond, take)
