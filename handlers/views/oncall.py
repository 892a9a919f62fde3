"""Submitting the `/oncall handover` modal: the note is stored for the next handover of the
schedule, and the writer gets the same confirmation `/oncall handover <note>` gives, by DM."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.errors import ConflictError
from bot.ids import CallbackId
from bot.messaging import handover as handover_messages
from bot.services import handover

if TYPE_CHECKING:
    from slack_bolt import Ack, App

    from bot.runtime import Runtime


def _submitted(view: dict[str, Any]) -> tuple[str, str]:
    """(schedule id as text, note) from the modal's state."""
    values = view.get("state", {}).get("values", {})
    picked = values.get("schedule", {}).get("schedule", {}).get("selected_option") or {}
    note = values.get("note", {}).get("note", {}).get("value") or ""
    return str(picked.get("value") or view.get("private_metadata") or ""), note


def register(app: App, runtime: Runtime) -> None:
    @app.view(CallbackId.ONCALL_HANDOVER_NOTE)
    def submit_note(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        schedule_id, note = _submitted(view)
        try:
            handover.check_note(note)
        except ConflictError as exc:
            ack(response_action="errors", errors={"note": exc.message})
            return
        if not schedule_id.isdigit():
            ack(response_action="errors", errors={"note": "Pick the schedule the note is for."})
            return
        with runtime.db.session() as session:
            handover_messages.save_note_from_modal(
                session,
                team_id=body["team"]["id"],
                schedule_id=int(schedule_id),
                user_id=body["user"]["id"],
                text=note,
                now=runtime.clock.now(),
            )
        ack()
