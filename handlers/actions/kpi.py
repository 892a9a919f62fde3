"""The buttons of `/kpi remove`: confirm (soft-delete, restorable for 30 days) or cancel;
Share on a private `/kpi <name>` answer; Delete on a `/kpi values` list (admins); Record
anyway on a value `/kpi record` doubted.

Bolt forgets an `ack()` when the listener raises within its 10 ms polling interval after
it (and then answers Slack 404), so these listeners turn Opsbot errors into the reply
themselves, with the one error handler's wording."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.errors import ConflictError, NotFoundError, OpsbotError
from bot.ids import ActionId
from bot.messaging import kpi_corrections as kpi_correction_messages
from bot.messaging import kpis as kpi_messages
from bot.messaging.kpis import post_alerts
from bot.messaging.profiles import require_admin
from bot.models import Kpi
from bot.services import kpi_corrections, kpi_plausibility, kpis
from handlers.errors import answer_or_explain, error_message

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

        answer_or_explain(respond, remove)

    @app.action(ActionId.KPI_REMOVE_CANCEL)
    def cancel_remove(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()

        def cancel() -> dict[str, Any]:
            with runtime.db.session() as session:
                kpi = _kpi(session, team_id=body["user"]["team_id"], value=action["value"])
                return render("messages/kpi_notice", event="cancelled", kpi=kpi)

        answer_or_explain(respond, cancel)

    @app.action(ActionId.KPI_SHARE)
    def share_lookup(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        """Share a private `/kpi <name>` answer, chart included, in its channel (once)."""
        ack()
        team_id, user_id = body["user"]["team_id"], body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or ""
        try:
            with runtime.db.session() as session:
                notice = kpi_messages.share_lookup(
                    session,
                    team_id=team_id,
                    lookup=kpi_messages.Lookup.of_value(
                        action["value"], channel=channel, user_id=user_id
                    ),
                    response_url=body["response_url"],
                    now=runtime.clock.now(),
                )
        except OpsbotError as exc:
            notice = error_message(exc)
        if notice is not None:
            respond(response_type="ephemeral", replace_original=False, **notice)

    @app.action(ActionId.KPI_VALUE_DELETE)
    def delete_value(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        """Delete one value from a `/kpi values` list (admins; Slack asked to confirm), then
        show the list again with what was deleted and where the KPI stands now."""
        ack()
        team_id, user_id = body["user"]["team_id"], body["user"]["id"]

        def delete() -> dict[str, Any]:
            kpi_id, _, rest = action["value"].partition(":")
            value_id, _, period_code = rest.partition(":")
            now = runtime.clock.now()
            with runtime.db.session() as session:
                require_admin(
                    runtime,
                    session,
                    client,
                    team_id=team_id,
                    user_id=user_id,
                    action="delete KPI values",
                )
                kpi = _kpi(session, team_id=team_id, value=kpi_id)
                if not value_id.isdigit():
                    raise NotFoundError("That value no longer exists.")
                removed = kpi_corrections.delete_value(
                    session, kpi=kpi, value_id=int(value_id), deleted_by=user_id, now=now
                )
                post_alerts(session, [removed.alert], now=now)
                return kpi_correction_messages.values_reply(
                    session,
                    kpi=kpi,
                    period=kpis.parse_period(period_code) or kpis.DEFAULT_PERIOD,
                    admin=True,
                    now=now,
                    removed=removed,
                )

        answer_or_explain(respond, delete)

    @app.action(ActionId.KPI_RECORD_ANYWAY)
    def record_anyway(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        """Record a value that looked like a typo, as the caller confirmed (once, whatever
        the number of clicks)."""
        ack()
        team_id, user_id = body["user"]["team_id"], body["user"]["id"]

        def record() -> dict[str, Any]:
            confirmed = kpi_messages.confirmed_value(action.get("value") or "")
            if confirmed is None:
                raise NotFoundError("That value can no longer be recorded; type it again.")
            kpi_id, value, at = confirmed
            now = runtime.clock.now()
            with runtime.db.session() as session:
                kpi = _kpi(session, team_id=team_id, value=str(kpi_id))
                if kpi.deleted_at is not None:
                    raise NotFoundError(f"{kpi.name} was removed.")
                recorded = kpi_plausibility.record_anyway(
                    session, kpi=kpi, value=value, at=at, user_id=user_id, now=now
                )
                if recorded is None:
                    raise ConflictError(f"That value of {kpi.name} is already recorded.")
                return kpi_messages.answer_record(
                    session, recorded=recorded, value=value, at=at, now=now
                )

        answer_or_explain(respond, record)
