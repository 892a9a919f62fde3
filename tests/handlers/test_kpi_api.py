"""POST /api/v1/kpis/<name>/datapoints with the Flask test client: auth, errors, alerts."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from bot.runtime import Runtime
from bot.services import kpi_ingest, kpis
from bot.standin.server import FakeSlack
from bot.web import create_web_app
from tests.conftest import START, TEAM

URL = "/api/v1/kpis/{}/datapoints"


@pytest.fixture
def api(runtime: Runtime) -> FlaskClient:
    return create_web_app(runtime).test_client()


@pytest.fixture
def token(runtime: Runtime) -> str:
    with runtime.db.session() as session:
        kpis.create_kpi(
            session,
            team_id=TEAM,
            name="on-time-shipping",
            target=95,
            warn=93,
            unit="%",
            created_by="UADMIN",
            now=START,
        )
        kpis.create_kpi(
            session,
            team_id=TEAM,
            name="dock-to-stock",
            target=4,
            better="lower",
            created_by="UADMIN",
            now=START,
        )
        kpis.set_kpi_channel(session, team_id=TEAM, channel_id="C0KPI", now=START)
        _row, token = kpi_ingest.create_token(session, team_id=TEAM, name="wms", now=START)
    return token


def _post(api: FlaskClient, name: str, body: Any, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return api.post(URL.format(name), json=body, headers=headers)


def test_wrong_or_missing_token_is_401(api: FlaskClient, token: str, runtime: Runtime) -> None:
    assert _post(api, "on-time-shipping", {"value": 1}, None).status_code == 401
    answer = _post(api, "on-time-shipping", {"value": 1}, token + "x")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    with runtime.db.session() as session:
        token_id = kpi_ingest.list_tokens(session, team_id=TEAM)[0].id
        kpi_ingest.revoke_token(session, team_id=TEAM, token_id=token_id, now=START)
    assert _post(api, "on-time-shipping", {"value": 1}, token).status_code == 401


def test_unknown_kpi_is_404_with_the_closest_names(api: FlaskClient, token: str) -> None:
    answer = _post(api, "on-time-shiping", {"value": 97}, token)
    assert answer.status_code == 404
    assert answer.json["suggestions"][0] == "on-time-shipping"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"valu": 97}, "value"),
        ({"value": "ninety-seven"}, "value"),
        ({"value": "97 orders"}, "value"),
        ({"value": 1e13}, "value"),
        ({"value": 97, "at": "last tuesday"}, "at"),
        ({"value": 97, "at": "2030-01-01T00:00:00Z"}, "at"),
        ([{"value": 97}, {"value": True}], "[1].value"),
        ([], "body"),
        ("97", "body"),
    ],
)
def test_bad_body_is_422_naming_the_field(
    api: FlaskClient, token: str, body: Any, field: str, runtime: Runtime
) -> None:
    answer = _post(api, "on-time-shipping", body, token)
    assert answer.status_code == 422
    assert answer.json["field"] == field
    with runtime.db.session() as session:
        kpi = kpis.find_kpi(session, team_id=TEAM, name="on-time-shipping")
        assert kpis.latest_values(session, kpi=kpi, count=1) == []


def test_values_are_recorded_and_alert_like_slack(
    api: FlaskClient, token: str, fake_slack: FakeSlack
) -> None:
    body = [{"value": 96.0, "at": "2026-03-01T08:00:00Z"}, {"value": 91.0}]
    answer = _post(api, "On-Time-Shipping", body, token)
    assert answer.status_code == 201
    assert answer.json == {
        "kpi": "on-time-shipping",
        "recorded": 2,
        "latest": 91.0,
        "status": "off target",
    }
    alert = fake_slack.wait_for("chat.postMessage", lambda c: c["channel"] == "C0KPI")[0]
    assert "*on-time-shipping is off target*: 91%" in alert.blocks_text()
    chart = fake_slack.wait_for("files.completeUploadExternal")[0]
    assert fake_slack.upload_bytes(chart["files"][0]["id"]).startswith(b"\x89PNG")
    assert _post(api, "dock-to-stock", {"value": 3.5}, token).json["status"] == "on target"
