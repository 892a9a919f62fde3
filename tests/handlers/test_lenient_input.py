"""Numbers, times and periods typed the way people type them, read the same way by Slack
commands (signed requests through the real app), the CSV import and the HTTP API."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bot.cli import main
from bot.db import Database
from bot.runtime import Runtime
from bot.services import kpi_ingest, kpis
from bot.standin.driver import SlackDriver
from bot.web import create_web_app
from tests.conftest import ADMIN, JOE, MARIA, START, TEAM


def _stamp(moment: datetime) -> str:
    """How a reply shows a moment: Slack's date token of it."""
    return f"<!date^{int(moment.timestamp())}^"


def _values(runtime: Runtime, name: str) -> list[tuple[float, datetime]]:
    with runtime.db.session() as session:
        kpi = kpis.find_kpi(session, team_id=TEAM, name=name)
        return kpis.latest_values(session, kpi=kpi, count=10)


@pytest.fixture
def dock(slack: SlackDriver) -> SlackDriver:
    """A KPI measured in hours and one in percent; MARIA's timezone is America/Chicago."""
    added = slack.command("/kpi", "add dock-to-stock target=4 unit=h better=lower", user=ADMIN)
    assert "Added *dock-to-stock*" in added.text()
    added = slack.command("/kpi", "add on-time target=95,5% unit=% warn=93", user=ADMIN)
    assert "Added *on-time*: target ≥ 95.5%, warning ≥ 93%" in added.text()
    return slack


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("3,5", "3.5 h"),
        ("3.5h", "3.5 h"),
        ("3.5 h", "3.5 h"),
        ("+3,5 H", "3.5 h"),
        ("1.234,5", "1,234.5 h"),
    ],
)
def test_record_reads_a_decimal_comma_and_the_kpis_unit(
    dock: SlackDriver, runtime: Runtime, typed: str, shown: str
) -> None:
    reply = dock.command("/kpi", f"record dock-to-stock {typed}", user=MARIA).text()
    assert f"Recorded {shown} for *dock-to-stock*" in reply
    assert _values(runtime, "dock-to-stock")[0][0] == float(
        shown.removesuffix(" h").replace(",", "")
    )


def test_percent_with_or_without_a_space(dock: SlackDriver, runtime: Runtime) -> None:
    assert (
        "Recorded 97.5% for *on-time*"
        in dock.command("/kpi", "record on-time 97,5 %", user=MARIA).text()
    )
    assert (
        "Recorded 96% for *on-time*"
        in dock.command("/kpi", "record on-time 96%", user=MARIA).text()
    )
    assert [v for v, _ in _values(runtime, "on-time")] == [96.0, 97.5]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1,234", "The value: `1,234` could mean 1234 or 1.234; write 1234 or 1.234."),
        ("3.5m", "The value: This KPI is measured in h, not `m`: write 3.5 or 3.5 h."),
        ("3.5 %", "The value: This KPI is measured in h, not `%`: write 3.5 or 3.5 h."),
        ("nan", "The value: `nan` is not a number Opsbot can store; give one like 97.5."),
        ("2e13", "The value: `2e13` is too large: values go up to a trillion (1e12) either way."),
        ("soon", "The value: `soon` is not a number; write it like 97.5, 3,5 or 1,234.5."),
    ],
)
def test_refused_values_say_why_and_store_nothing(
    dock: SlackDriver, runtime: Runtime, typed: str, message: str
) -> None:
    reply = dock.command("/kpi", f"record dock-to-stock {typed}", user=MARIA)
    assert reply.json["response_type"] == "ephemeral"
    assert message in reply.text()
    assert "Usage: `/kpi record" in reply.text()
    assert _values(runtime, "dock-to-stock") == []


@pytest.mark.parametrize(
    ("at", "stored"),
    [
        # Chicago is UTC-6 in winter; the clock stands at Monday 2 March 2026, 08:00 UTC.
        ("at=2026-03-01 08:00", datetime(2026, 3, 1, 14, 0, tzinfo=UTC)),
        ("at=2026-03-01T08:00", datetime(2026, 3, 1, 14, 0, tzinfo=UTC)),
        ("at=2026-03-01T12:00Z", datetime(2026, 3, 1, 12, 0, tzinfo=UTC)),
        ("at=2026-03-01 12:00+01:00", datetime(2026, 3, 1, 11, 0, tzinfo=UTC)),
        ("at=2026-03-01", datetime(2026, 3, 1, 6, 0, tzinfo=UTC)),
        ("at=yesterday", datetime(2026, 3, 1, 6, 0, tzinfo=UTC)),
        ("at=today", datetime(2026, 3, 2, 6, 0, tzinfo=UTC)),
    ],
)
def test_record_at_a_time_in_the_callers_timezone(
    dock: SlackDriver, runtime: Runtime, at: str, stored: datetime
) -> None:
    reply = dock.command("/kpi", f"record dock-to-stock 3,5 {at}", user=MARIA).text()
    assert f"Recorded 3.5 h for *dock-to-stock* as of {_stamp(stored)}" in reply
    assert _values(runtime, "dock-to-stock") == [(3.5, stored)]


def test_the_time_option_can_come_first_and_a_future_time_is_refused(
    dock: SlackDriver, runtime: Runtime
) -> None:
    first = dock.command("/kpi", "record dock-to-stock at=2026-03-01 09:30 4,25", user=MARIA)
    assert f"as of {_stamp(datetime(2026, 3, 1, 15, 30, tzinfo=UTC))}" in first.text()
    future = dock.command("/kpi", "record dock-to-stock 3 at=2026-03-02 08:00", user=MARIA).text()
    assert "at=2026-03-02 08:00 is in the future (times are in America/Chicago)." in future
    bad = dock.command("/kpi", "record dock-to-stock 3 at=01/03/2026", user=MARIA).text()
    assert "at: `01/03/2026` is not a time; write 2026-12-01, 2026-12-01 08:00" in bad
    assert [v for v, _ in _values(runtime, "dock-to-stock")] == [4.25]


@pytest.mark.parametrize(
    ("period", "label"),
    [("1y", "year"), ("30 days", "30 days"), ("2w", "2 weeks"), ("6 months", "6 months")],
)
def test_kpi_detail_takes_every_period(dock: SlackDriver, period: str, label: str) -> None:
    reply = dock.command("/kpi", f"dock-to-stock {period}", user=MARIA).text()
    assert f"last {label}" in reply


def test_one_period_refusal_everywhere(dock: SlackDriver) -> None:
    examples = "use 7d, 30d, 2w, 6m, 1y, 30 days, today, week or month"
    kpi = dock.command("/kpi", "dock-to-stock 2y", user=MARIA).text()
    assert f"`2y` is too long: a period is at most a year; {examples}." in kpi
    stats = dock.command("/escalate", "stats 2y", user=MARIA).text()
    assert f"`2y` is too long: a period is at most a year; {examples}." in stats
    unread = dock.command("/kpi", "dock-to-stock fortnight", user=MARIA).text()
    assert f"`fortnight` is not a period; {examples} (up to a year; m is months)." in unread
    history = dock.command("/standup", f"history <@{JOE}> 6m", user=MARIA).text()
    assert "`6m` is too long: standup history goes back at most 90 days; use 7d, 30d, 2w, " in (
        history
    )
    history = dock.command("/standup", f"history <@{JOE}> 1y", user=MARIA).text()
    assert "standup history goes back at most 90 days" in history
    swapped = dock.command("/kpi", "30d dock-to-stock", user=MARIA).text()
    assert "dock-to-stock" in swapped and "last 30 days" in swapped
    assert "is not a period" not in swapped
    usage = dock.command("/kpi", "dock-to-stock fortnight", user=MARIA).text()
    assert "/kpi [name] [period]   (period: 7d, 30d, 2w, 6m, 1y, 30 days, today, week or " in (
        usage
    )


@pytest.mark.parametrize(
    ("period", "days"), [("2w", 14), ("30 days", 30), ("1y", 365), ("today", 1), ("3m", 90)]
)
def test_escalate_stats_takes_the_same_periods(slack: SlackDriver, period: str, days: int) -> None:
    reply = slack.command("/escalate", f"stats {period}", user=MARIA).text()
    assert f"Escalations opened in the last {days} days" in reply


@pytest.mark.parametrize(("period", "days"), [("2w", 14), ("30 days", 30), ("2 weeks", 14)])
def test_standup_history_takes_the_same_periods(slack: SlackDriver, period: str, days: int) -> None:
    reply = slack.command("/standup", f"history {period} <@{JOE}>", user=MARIA).text()
    assert f"last {days} days" in reply


# -- the CSV import and the HTTP API -----------------------------------------------------


@pytest.fixture
def api(runtime: Runtime) -> tuple[FlaskClient, str]:
    with runtime.db.session() as session:
        for name, unit in (("dock-to-stock", "h"), ("on-time", "%")):
            kpis.create_kpi(
                session, team_id=TEAM, name=name, target=4, unit=unit, created_by=ADMIN, now=START
            )
        _row, token = kpi_ingest.create_token(session, team_id=TEAM, name="wms", now=START)
    return create_web_app(runtime).test_client(), token


def _post(api: tuple[FlaskClient, str], name: str, body: object) -> object:
    client, token = api
    return client.post(
        f"/api/v1/kpis/{name}/datapoints", json=body, headers={"Authorization": f"Bearer {token}"}
    )


def test_api_reads_strings_as_slack_does(api: tuple[FlaskClient, str], runtime: Runtime) -> None:
    body = [
        {"value": "3,5", "at": "2026-03-01T12:00Z"},
        {"value": "4.5 h", "at": "2026-03-01 13:00"},  # no offset: UTC
        {"value": 5.5, "at": "2026-03-01T08:00:00-06:00"},
    ]
    answer = _post(api, "dock-to-stock", body)
    assert answer.status_code == 201, answer.json
    assert _values(runtime, "dock-to-stock") == [
        (5.5, datetime(2026, 3, 1, 14, 0, tzinfo=UTC)),
        (4.5, datetime(2026, 3, 1, 13, 0, tzinfo=UTC)),
        (3.5, datetime(2026, 3, 1, 12, 0, tzinfo=UTC)),
    ]


@pytest.mark.parametrize(
    ("item", "field", "error"),
    [
        ({"value": "3.5m"}, "value", "This KPI is measured in h, not `m`: write 3.5 or 3.5 h"),
        ({"value": "1,234"}, "value", "`1,234` could mean 1234 or 1.234; write 1234 or 1.234"),
        ({"value": 3, "at": "01/03/2026"}, "at", "`01/03/2026` is not a time; write 2026-12-01"),
        ({"value": 3, "at": "2026-03-02T09:00Z"}, "at", "the time is in the future"),
    ],
)
def test_api_refusals_name_the_field(
    api: tuple[FlaskClient, str], item: dict[str, object], field: str, error: str
) -> None:
    answer = _post(api, "dock-to-stock", item)
    assert answer.status_code == 422
    assert answer.json["field"] == field and answer.json["error"].startswith(error)


@pytest.fixture
def csv_dir(db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db.url)
    with db.session() as session:
        kpis.create_kpi(
            session,
            team_id=TEAM,
            name="dock-to-stock",
            target=4,
            unit="h",
            better="lower",
            created_by=ADMIN,
            now=START,
        )
    return tmp_path


def test_csv_import_reads_numbers_and_times_as_slack_does(
    csv_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lenient = csv_dir / "lenient.csv"
    lenient.write_text(
        "kpi,value,at\n"
        'dock-to-stock,"3,5",2026-03-01T12:00Z\n'
        "dock-to-stock,4.5h,2026-03-01 13:00\n"
        "dock-to-stock,1 234.5 h,2026-03-01T08:00:00-06:00\n"
    )
    assert main(["kpi", "import", str(lenient), "--team", TEAM]) == 0
    assert "Imported 3 values" in capsys.readouterr().out
    assert main(["kpi", "export", "--team", TEAM]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "kpi,value,at",
        "dock-to-stock,3.5,2026-03-01T12:00:00Z",
        "dock-to-stock,4.5,2026-03-01T13:00:00Z",
        "dock-to-stock,1234.5,2026-03-01T14:00:00Z",
    ]


def test_csv_refusals_name_line_and_column(
    csv_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = csv_dir / "bad.csv"
    bad.write_text(
        "kpi,value,at\n"
        "dock-to-stock,3.5m,2026-03-01\n"
        'dock-to-stock,"1,234",2026-03-01\n'
        "dock-to-stock,3,01/03/2026\n"
    )
    assert main(["kpi", "import", str(bad), "--team", TEAM]) == 1
    err = capsys.readouterr().err
    assert "line 2, column value: This KPI is measured in h, not `m`: write 3.5 or 3.5 h\n" in err
    assert "line 3, column value: `1,234` could mean 1234 or 1.234; write 1234 or 1.234\n" in err
    assert "line 4, column at: `01/03/2026` is not a time; write 2026-12-01" in err
