"""Buttons on escalation messages and pages (Acknowledge, Resolve, Reassign, Reopen) and
the "Escalate this" button under the DM help."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bot import escalation_messages as messages
from bot.blocks import render
from bot.errors import ConflictError
from bot.ids import ActionId, CallbackId
from bot.services import escalations, workspace

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from bot.runtime import Runtime


def _number(action: dict[str, Any]) -> int:
    """The escalation a control belongs to: the button's value, or the block id's suffix
    (a users_select has no value)."""
    value = action.get("value") or str(action.get("block_id", "")).rsplit("_", 1)[-1]
    return escalations.parse_ref(value)


def _who(body: dict[str, Any]) -> tuple[str, str]:
    return str(body["team"]["id"]), str(body["user"]["id"])


def register(app: App, runtime: Runtime) -> None:
    def change(body: dict[str, Any], client: WebClient, apply: Any) -> None:
        team_id, user_id = _who(body)
        now = runtime.clock.now()
        with runtime.db.session() as session:
            result = apply(session, team_id=team_id, user_id=user_id, now=now)
        messages.deliver(client, runtime.db, result, now=now)

    @app.action(ActionId.ESCALATION_ACK)
    def acknowledge(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        number = _number(action)
        change(
            body,
            client,
            lambda session, **who: escalations.acknowledge(session, number=number, **who),
        )

    @app.action(ActionId.ESCALATION_REOPEN)
    def reopen(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        number = _number(action)
        change(
            body, client, lambda session, **who: escalations.reopen(session, number=number, **who)
        )

    @app.action(ActionId.ESCALATION_REASSIGN)
    def reassign(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        number = _number(action)
        assignee_id = str(action["selected_user"])
        change(
            body,
            client,
            lambda session, **who: escalations.assign(
                session, number=number, assignee_id=assignee_id, **who
            ),
        )

    @app.action(ActionId.ESCALATION_RESOLVE)
    def resolve(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, _user_id = _who(body)
        number = _number(action)
        with runtime.db.session() as session:
            escalation = escalations.get_escalation(session, team_id=team_id, number=number)
            if escalation.status == "resolved":
                raise ConflictError(f"{escalation.ref} is already resolved.")
            causes = escalations.known_causes(session, team_id=team_id)
        view = render(
            "views/escalation_resolve",
            callback_id=CallbackId.ESCALATION_RESOLVE,
            ref=escalation.ref,
            number=escalation.number,
            summary=escalation.summary,
            causes=causes,
            note_limit=escalations.NOTE_LIMIT,
        )
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(ActionId.ESCALATE_THIS)
    def escalate_this(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        team_id, user_id = _who(body)
        request = json.loads(action["value"])
        now = runtime.clock.now()
        with runtime.db.session() as session:
            if not workspace.claim_key(
                session, team_id=team_id, key=f"escalate-this:{request['ts']}", now=now
            ):
                raise ConflictError("That message has already been escalated.")
            escalation = escalations.open_escalation(
                session,
                team_id=team_id,
                reporter_id=user_id,
                severity=escalations.DEFAULT_SEVERITY,
                now=now,
                **messages.summary_and_details(request["text"]),
            )
        client.chat_postMessage(
            channel=user_id,
            **render(
                "messages/escalation_opened", e=messages.escalation_context(escalation, now=now)
            ),
        )
        messages.announce_opened(client, runtime.db, escalation, now=now)
