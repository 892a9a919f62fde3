"""The "Answer" button of standup reminders, of the "which standup?" picker and of the
App Home, and the "Escalate" button next to each blocker in a standup report."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.formats import day
from bot.ids import ActionId
from bot.messaging import standups as standup_slack
from bot.messaging.escalations import summary_and_details
from bot.services import standups, workspace
from handlers.views.escalations import open_escalation_modal

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from bot.runtime import Runtime


def register(app: App, runtime: Runtime) -> None:
    @app.action(ActionId.STANDUP_OPEN)
    def open_standup(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id = body["team"]["id"]
        user_id = body["user"]["id"]
        with runtime.db.session() as session:
            standup = standups.get_standup(
                session, team_id=team_id, standup_id=int(body["actions"][0]["value"])
            )
            view = standup_slack.answer_modal(
                runtime, session, client, team_id=team_id, user_id=user_id, standup=standup
            )
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(ActionId.STANDUP_ESCALATE_BLOCKER)
    def escalate_blocker(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        """Open the escalation modal pre-filled with the blocker and a link back to the
        answer, owned by whoever clicked."""
        ack()
        blocker = json.loads(action["value"])
        with runtime.db.session() as session:
            author = workspace.get_profile(
                session, team_id=body["team"]["id"], user_id=blocker["author"]
            )
        prefill = summary_and_details(str(blocker["blocker"]))
        origin = (
            f"Blocker from the {day(date.fromisoformat(blocker['date']))} standup, reported by "
            f"{author.name if author else 'a participant'}."
        )
        open_escalation_modal(
            client,
            trigger_id=body["trigger_id"],
            summary=prefill["summary"],
            details="\n\n".join(filter(None, [prefill["details"], origin])),
            link=blocker.get("link"),
            assignee=body["user"]["id"],
        )
