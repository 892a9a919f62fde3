"""The `/kpi add` modal: validated field by field, the KPI created on submit. The
`/kpi query` modal: the SQL runs once on submit and is saved only if it returns values."""

from __future__ import annotations

from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.errors import ConflictError, UsageError
from bot.grammar.kpi import parse_every, parse_number
from bot.ids import CallbackId
from bot.messaging import kpi_queries as kpi_query_messages
from bot.messaging.kpi_queries import ModalHandoff, QueryForm, Tried
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
            unit = _text(values, "unit")
            numbers[block] = parse_number(text, what=block, usage="", unit=unit) if text else None
        except UsageError as exc:
            errors[block] = exc.message
    every = None
    try:
        every = parse_every(_text(values, "every"), usage="") if _text(values, "every") else None
    except UsageError as exc:
        errors["every"] = exc.message[0].upper() + exc.message[1:]
    selected = _field(values, "better").get("selected_option") or {}
    definition = {
        "name": _text(values, "name"),
        "target": numbers.get("target"),
        "better": selected.get("value") or Better.HIGHER,
        "warn": numbers.get("warn"),
        "unit": _text(values, "unit"),
        "description": _text(values, "desc"),
        "owner_id": _field(values, "owner").get("selected_user"),
        "every": every,
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


# How long the listener waits for a submitted query before it answers "running…" and
# leaves the outcome to views.update: Slack closes a view_submission after 3 seconds.
QUERY_ANSWER_WITHIN_SECONDS = 2.0


def query_submitted(
    runtime: Runtime, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Run the SQL once: an error goes back to the SQL field, values save the query. A run
    slower than Slack's deadline shows "running…", then its outcome through views.update."""
    team_id, user_id = body["user"]["team_id"], body["user"]["id"]
    form = QueryForm.from_meta(view["private_metadata"])
    sql = _text(view["state"]["values"], "sql")
    with runtime.db.session() as session:
        require_admin(
            runtime, session, client, team_id=team_id, user_id=user_id, action="set KPI queries"
        )
    timeout = runtime.sources.timeout

    def outcome_view(tried: Tried) -> dict[str, Any]:
        if tried.ok:
            return kpi_query_messages.query_result_view(
                tried, form=form, timeout=timeout, now=runtime.clock.now()
            )
        return kpi_query_messages.query_modal(form, sql=sql, timeout=timeout, error=tried.message)

    handoff = ModalHandoff(view_id=view["id"], render_view=outcome_view, clock=runtime.clock)
    future = runtime.sources.submit(
        form.source,
        lambda: kpi_query_messages.try_and_save(
            runtime.db,
            runtime.sources,
            runtime.clock,
            team_id=team_id,
            kpi_name=form.kpi_name,
            source=form.source,
            sql=sql,
            schedule=form.schedule,
            set_by=user_id,
            on_done=handoff.on_done,
        ),
    )
    try:
        tried = future.result(timeout=QUERY_ANSWER_WITHIN_SECONDS)
    except FutureTimeout:
        if handoff.give_up_waiting():
            running = kpi_query_messages.query_result_view(
                None, form=form, timeout=timeout, now=runtime.clock.now()
            )
            ack(response_action="update", view=running)
            return
        tried = future.result()  # finished just now: only its commit was left
    if not tried.ok:
        ack(response_action="errors", errors={"sql": tried.message[:1000]})
        return
    ack(response_action="update", view=outcome_view(tried))


def register(app: App, runtime: Runtime) -> None:
    @app.view(CallbackId.KPI_QUERY)
    def kpi_query_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        query_submitted(runtime, ack, body, view, client)

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
