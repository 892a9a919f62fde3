"""The buttons of `/kpi remove`: confirm (soft-delete, restorable for 30 days) or cancel.

Bolt forgets an `ack()` when the listener raises within its 10 ms polling interval after
it (and then answers Slack 404), so these listeners turn Opsbot errors into the reply
themselves, with the one error handler's wording."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.errors import NotFoundError, OpsbotError
from bot.ids import ActionId
from bot.messaging.profiles import require_admin
from bot.models import Kpi
from bot.services import kpis
from handlers.errors import error_message

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_bolt.context.respond import Respond
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session

    from bot.runtime import Runtime


def _kpi(session: Session, *, team_id: str, value: str) -> Kpi:
    kpi = session.get(Kpi, int(value)) if value.isdigit() else None
    if kpi is None or kpi.team_id != team_id:
        raise NotFoundError("That KPI no longer exists.")
    return kpi


def _answer(respond: Respond, work: Callable[[], dict[str, Any]]) -> None:
    try:
        message = work()
    except OpsbotError as exc:
        respond(response_type="ephemeral", replace_original=False, **error_message(exc))
        return
    respond(replace_original=True, **message)


def register(app: App, runtime: Runtime) -> None:
    @app.action(ActionId.KPI_REMOVE_CONFIRM)
    def confirm_remove(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        team_id, user_id = body["user"]["team_id"], body["user"]["id"]

        def remove() -> dict[str, Any]:
            with runtime.db.session() as session:
                require_admin(
                    runtime, session, client, team_id=team_id, user_id=user_id, action="remove KPIs"
                )
                kpi = _kpi(session, team_id=team_id, value=action["value"])
                if kpi.deleted_at is None:  # a double click removes once
                    kpis.remove_kpi(session, kpi=kpi, removed_by=user_id, now=runtime.clock.now())
                return render(
                    "messages/kpi_notice",
                    event="removed",
                    kpi=kpi,
                    until=kpis.restore_deadline(kpi),
                )

        _answer(respond, remove)

    @app.action(ActionId.KPI_REMOVE_CANCEL)
    def cancel_remove(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()

        def cancel() -> dict[str, Any]:
            with runtime.db.session() as session:
                kpi = _kpi(session, team_id=body["user"]["team_id"], value=action["value"])
                return render("messages/kpi_notice", event="cancelled", kpi=kpi)

        _answer(respond, cancel)
