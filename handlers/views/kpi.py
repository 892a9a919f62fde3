"""The `/kpi add` modal: validated field by field, the KPI created on submit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.errors import ConflictError, UsageError
from bot.grammar.kpi import parse_number
from bot.ids import CallbackId
from bot.messaging.profiles import require_admin
from bot.models import Better
from bot.services import kpis, outbox

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from bot.runtime import Runtime


def _field(values: dict[str, Any], block: str) -> Any:
    return values.get(block, {}).get(block, {})


def _text(values: dict[str, Any], block: str) -> str:
    return (_field(values, block).get("value") or "").strip()


def read_form(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The definition in the modal's state, and an error per block id that is wrong."""
    errors: dict[str, str] = {}
    numbers: dict[str, float | None] = {}
    for block in ("target", "warn"):
        text = _text(values, block)
        try:
            numbers[block] = parse_number(text, what=block, usage="") if text else None
        except UsageError as exc:
            errors[block] = exc.message
    selected = _field(values, "better").get("selected_option") or {}
    definition = {
        "name": _text(values, "name"),
        "target": numbers.get("target"),
        "better": selected.get("value") or Better.HIGHER,
        "warn": numbers.get("warn"),
        "unit": _text(values, "unit"),
        "description": _text(values, "desc"),
        "owner_id": _field(values, "owner").get("selected_user"),
    }
    if not errors and definition["target"] is not None:
        try:
            kpis.check_definition(
                **{k: definition[k] for k in ("name", "target", "better", "warn", "unit")},
                description=definition["description"],
            )
        except kpis.KpiValueError as exc:
            message = str(exc)
            block = "name" if "name" in message else "warn" if "warn" in message else "unit"
            errors[block] = message[0].upper() + message[1:]
    return definition, errors


def register(app: App, runtime: Runtime) -> None:
    @app.view(CallbackId.KPI_ADD)
    def add_kpi_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        team_id, user_id = body["user"]["team_id"], body["user"]["id"]
        definition, errors = read_form(view["state"]["values"])
        if errors:
            ack(response_action="errors", errors=errors)
            return
        with runtime.db.session() as session:
            require_admin(
                runtime, session, client, team_id=team_id, user_id=user_id, action="add KPIs"
            )
            try:
                kpi = kpis.create_kpi(
                    session,
                    team_id=team_id,
                    created_by=user_id,
                    now=runtime.clock.now(),
                    **definition,
                )
            except ConflictError as exc:
                ack(response_action="errors", errors={"name": exc.message})
                return
            if view.get("private_metadata"):
                channel = view["private_metadata"]
                outbox.enqueue(
                    session,
                    team_id=team_id,
                    key=f"channel:{team_id}:{channel}",
                    method="chat.postEphemeral",
                    channel_id=channel,
                    payload={
                        "channel": channel,
                        "user": user_id,
                        **render("messages/kpi_added", kpi=kpi),
                    },
                    now=runtime.clock.now(),
                    description=f"confirmation that {kpi.name} was added",
                )
        ack()
