"""Buttons on escalation messages and pages (Acknowledge, Resolve, Reassign, Reopen) and
the "Escalate this" button under the DM help."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.errors import ConflictError
from bot.ids import ActionId, CallbackId
from bot.messaging import escalations as messages
from bot.messaging.profiles import admins_to_page, is_admin
from bot.models import EscalationStatus
from bot.services import escalations, workspace
from handlers.views.escalations import open_escalation_modal

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_bolt import Ack, App
    from slack_bolt.context.respond import Respond
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
    def apply_change(
        body: dict[str, Any],
        client: WebClient,
        service: Callable[..., escalations.Change],
        **arguments: Any,
    ) -> None:
        """Run one lifecycle service for the clicker and queue what Slack must show."""
        team_id, user_id = _who(body)
        now = runtime.clock.now()
        with runtime.db.session() as session:
            change = service(session, team_id=team_id, user_id=user_id, now=now, **arguments)
            messages.tell(session, change, now=now)

    @app.action(ActionId.ESCALATION_ACK)
    def acknowledge(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        apply_change(body, client, escalations.acknowledge, number=_number(action))

    @app.action(ActionId.ESCALATION_REOPEN)
    def reopen(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        apply_change(body, client, escalations.reopen, number=_number(action))

    @app.action(ActionId.ESCALATION_REASSIGN)
    def reassign(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        apply_change(
            body,
            client,
            escalations.assign,
            number=_number(action),
            assignee_id=str(action["selected_user"]),
        )

    @app.action(ActionId.ESCALATION_SEVERITY)
    def change_severity(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        apply_change(
            body,
            client,
            escalations.change_severity,
            number=_number(action),
            severity=str(action["selected_option"]["value"]),
        )

    @app.action(ActionId.ESCALATION_CANCEL)
    def cancel(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, user_id = _who(body)
        with runtime.db.session() as session:
            admin = is_admin(runtime, session, client, team_id=team_id, user_id=user_id)
        apply_change(body, client, escalations.cancel, number=_number(action), is_admin=admin)

    @app.action(ActionId.ESCALATION_RESOLVE)
    def resolve(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, _user_id = _who(body)
        with runtime.db.session() as session:
            escalation = escalations.get_escalation(
                session, team_id=team_id, number=_number(action)
            )
            causes = escalations.known_causes(session, team_id=team_id)
        if escalation.status == EscalationStatus.RESOLVED:
            raise ConflictError(f"{escalation.ref} is already resolved.")
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
        """The form pre-filled with the DM; submitting it opens the escalation."""
        ack()
        text = str(json.loads(action["value"])["text"])
        open_escalation_modal(
            client, trigger_id=body["trigger_id"], **messages.summary_and_details(text)
        )

    @app.action(ActionId.ESCALATION_OPEN_AS)
    @app.action(ActionId.ESCALATION_OPEN_ANYWAY)
    def open_as(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        """ "Open as sevN" or "Open anyway" under a "Did you mean …?" reply."""
        ack()
        team_id, user_id = _who(body)
        now = runtime.clock.now()
        request = json.loads(action["value"])
        # Both buttons of one reply open one escalation between them, however often clicked.
        reply = (body.get("container") or {}).get("message_ts") or ""
        asked = hashlib.sha256(request["summary"].encode()).hexdigest()[:32]
        with runtime.db.session() as session:
            if not workspace.claim_key(
                session, team_id=team_id, key=f"open-as:{user_id}:{reply}:{asked}", now=now
            ):
                raise ConflictError("That escalation was already opened.")
            escalation = escalations.open_escalation(
                session,
                team_id=team_id,
                reporter_id=user_id,
                summary=request["summary"],
                details="",
                severity=request.get("severity") or escalations.DEFAULT_SEVERITY,
                opened_in=(body.get("channel") or {}).get("id"),
                fallback_chain=admins_to_page(runtime, session, team_id=team_id),
                now=now,
            )
            messages.announce_opened(session, escalation, now=now)
            reply = messages.render_opened(session, escalation, now=now)
        respond(replace_original=True, **reply)
