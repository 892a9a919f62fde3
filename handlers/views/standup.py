"""Submitting the standup modal: store the answer for the person's local date (replacing an
earlier one that day), then post it in the day's thread or update the posted copy, and
bring the person's Home tab up to date. A ticked "Nothing is blocking me" settles that the
answer has no blocker, whatever the blockers answer says (its text is kept)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.errors import ConflictError, OpsbotError
from bot.ids import CallbackId
from bot.messaging import home as home_messages
from bot.messaging import standups as standup_slack
from bot.services import standups

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from bot.runtime import Runtime


def register(app: App, runtime: Runtime) -> None:
    @app.view(CallbackId.STANDUP_ANSWER)
    def submit_answer(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        team_id = body["team"]["id"]
        user_id = body["user"]["id"]
        submitted = standup_slack.submitted_answers(view)
        now = runtime.clock.now()
        with standup_slack.ANSWERS_SAVED_ONE_AT_A_TIME, runtime.db.session() as session:
            standup = standups.get_standup(
                session, team_id=team_id, standup_id=submitted.standup_id
            )
            if not standups.is_participant(
                session, team_id=team_id, standup_id=standup.id, user_id=user_id
            ):
                raise OpsbotError("You are no longer in this standup, so the answer was not saved.")
            if len(submitted.texts) != len(standups.questions_of(standup)):
                raise ConflictError(
                    "The standup's questions changed while you were answering. "
                    "Copy your text, open /standup again and paste it."
                )
            answer, _replaced = standups.save_answer(
                session,
                team_id=team_id,
                standup=standup,
                user_id=user_id,
                local_date=submitted.local_date,
                texts=submitted.texts,
                now=now,
                nothing_blocking=submitted.nothing_blocking,
            )
            standup_slack.publish_answer(session, team_id=team_id, answer_id=answer.id, now=now)
            home_messages.refresh(session, team_id=team_id, user_ids=[user_id], now=now)
        ack()
