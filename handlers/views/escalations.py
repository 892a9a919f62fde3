"""The "Escalate an issue" and "Resolve" modals; `open_escalation_modal` lets any listener
(the standup report's blocker button, the message shortcut) open the first one pre-filled."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.errors import UsageError
from bot.ids import CallbackId
from bot.messaging import escalations as messages
from bot.messaging.profiles import admins_to_page
from bot.services import escalations, workspace

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from bot.runtime import Runtime


def open_escalation_modal(
    client: WebClient,
    *,
    trigger_id: str,
    summary: str = "",
    details: str = "",
    severity: str = escalations.DEFAULT_SEVERITY,
    link: str | None = None,
    assignee: str | None = None,
) -> None:
    """Open the escalation modal pre-filled; its submission opens the escalation.
    Call it right after `ack()`: a trigger id lives three seconds."""
    view = messages.open_modal_view(
        summary=summary, details=details, severity=severity, link=link, assignee=assignee
    )
    client.views_open(trigger_id=trigger_id, view=view)


def _value(values: dict[str, Any], block_id: str) -> Any:
    state = next(iter(values.get(block_id, {}).values()), {})
    if "selected_option" in state:
        return (state.get("selected_option") or {}).get("value")
    if "selected_user" in state:
        return state.get("selected_user")
    return state.get("value")


def register(app: App, runtime: Runtime) -> None:
    @app.view(CallbackId.ESCALATION_OPEN)
    def submit_escalation(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        values = view["state"]["values"]
        team_id = str(body["team"]["id"])
        user_id = str(body["user"]["id"])
        summary = _value(values, "summary") or ""
        try:
            summary = escalations.check_summary(summary)
            details = escalations.check_text(
                _value(values, "details"), limit=escalations.DETAILS_LIMIT, what="details"
            )
        except UsageError as error:
            block = "summary" if "summary" in error.message else "details"
            ack(response_action="errors", errors={block: error.message})
            return
        now = runtime.clock.now()
        with runtime.db.session() as session:
            first_submission = workspace.claim_key(
                session, team_id=team_id, key=f"view:{view['id']}", now=now
            )
            escalation = None
            if first_submission:
                escalation = escalations.open_escalation(
                    session,
                    team_id=team_id,
                    reporter_id=user_id,
                    summary=summary,
                    details=details,
                    severity=_value(values, "severity") or escalations.DEFAULT_SEVERITY,
                    assignee_id=_value(values, "assignee"),
                    source_link=view.get("private_metadata") or None,
                    fallback_chain=admins_to_page(runtime, session, team_id=team_id),
                    now=now,
                )
                messages.tell_reporter_opened(session, escalation, channel=user_id, now=now)
                messages.announce_opened(session, escalation, now=now)
        ack()

    @app.view(CallbackId.ESCALATION_RESOLVE)
    def submit_resolution(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        values = view["state"]["values"]
        team_id = str(body["team"]["id"])
        user_id = str(body["user"]["id"])
        now = runtime.clock.now()
        with runtime.db.session() as session:
            change = escalations.resolve(
                session,
                team_id=team_id,
                number=escalations.parse_ref(view["private_metadata"]),
                user_id=user_id,
                note=_value(values, "note") or "",
                cause=_value(values, "cause"),
                now=now,
            )
            messages.tell(session, change, now=now)
        ack()
