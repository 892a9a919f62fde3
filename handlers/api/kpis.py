"""`POST /api/v1/kpis/<name>/datapoints`: values from other systems, with a bearer token
from `opsbot token create`. Body `{"value": 97.5, "at": "…"}` or a list of them (`at`
optional: `2026-03-01T08:30:00Z`, `2026-03-01 08:30` (UTC when it has no offset), `today`…;
`value` a JSON number, or a string read as `/kpi record` reads it: `"3,5"`, `"97.5%"`).
Alerts go out as for `/kpi record`."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import Response, jsonify, request

from bot.errors import NotFoundError
from bot.messaging.kpis import post_alerts
from bot.services import kpi_ingest, kpis

if TYPE_CHECKING:
    from flask import Flask

    from bot.runtime import Runtime

log = logging.getLogger(__name__)

MAX_POINTS = 1000


class Unprocessable(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _value(value: Any, *, unit: str) -> float:
    """A JSON number as it is; a string as people type it (`3,5`, `97.5%`)."""
    if isinstance(value, str):
        return kpi_ingest.parse_value(value, unit=unit)
    return kpis.check_value(value)


def _points(body: Any, *, unit: str, now: datetime) -> list[tuple[float, datetime]]:
    items = body if isinstance(body, list) else [body]
    if not items:
        raise Unprocessable("body", "send at least one datapoint")
    if len(items) > MAX_POINTS:
        raise Unprocessable("body", f"send at most {MAX_POINTS} datapoints per request")
    points = []
    for index, item in enumerate(items):
        prefix = f"[{index}]." if isinstance(body, list) else ""
        if not isinstance(item, dict):
            raise Unprocessable(prefix.rstrip(".") or "body", 'a datapoint is {"value": …}')
        if "value" not in item:
            raise Unprocessable(prefix + "value", "value is required")
        try:
            value = _value(item["value"], unit=unit)
        except kpis.KpiValueError as exc:
            raise Unprocessable(prefix + "value", str(exc)) from None
        at = now
        if item.get("at") is not None:
            if not isinstance(item["at"], str):
                raise Unprocessable(prefix + "at", "at must be a string such as 2026-03-01T08:30Z")
            try:
                at = kpis.check_time(kpi_ingest.parse_time(item["at"], now=now), now=now)
            except kpis.KpiValueError as exc:
                raise Unprocessable(prefix + "at", str(exc)) from None
        points.append((value, at))
    return points


def _error(status: int, message: str, **extra: Any) -> tuple[Response, int]:
    return jsonify(error=message, **extra), status


def register(web: Flask, runtime: Runtime) -> None:
    @web.post("/api/v1/kpis/<name>/datapoints")
    def record_datapoints(name: str) -> tuple[Response, int]:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        now = runtime.clock.now()
        with runtime.db.session() as session:
            sender = (
                kpi_ingest.active_token(session, token=token.strip())
                if scheme.lower() == "bearer" and token.strip()
                else None
            )
            if sender is None:
                response, status = _error(401, "missing, unknown or revoked bearer token")
                response.headers["WWW-Authenticate"] = 'Bearer realm="opsbot"'
                return response, status
            team_id = sender.team_id
            try:
                kpi = kpis.find_kpi(session, team_id=team_id, name=name)
            except NotFoundError as exc:
                suggestions = kpis.suggest_names(session, team_id=team_id, name=name)
                return _error(404, exc.message, suggestions=suggestions)
            body = request.get_json(silent=True)
            if body is None:
                return _error(422, "the body must be JSON", field="body")
            try:
                points = _points(body, unit=kpi.unit, now=now)
            except Unprocessable as exc:
                return _error(422, exc.message, field=exc.field)
            recorded = kpis.record_values(
                session, kpi=kpi, points=points, source="api", recorded_by=sender.name, now=now
            )
            post_alerts(session, [recorded.alert], now=now)
            answer = {
                "kpi": kpi.name,
                "recorded": recorded.count,
                "latest": recorded.latest,
                "status": str(recorded.status),
            }
        return jsonify(answer), 201
