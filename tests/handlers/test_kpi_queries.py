"""KPIs computed by SQL on the team's own databases, through the real app: `/kpi query`,
its modal, the scheduler, alerts, and the sources on SQLite, MariaDB and PostgreSQL."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from random import Random
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.config import load_settings
from bot.demo import DEMO_TEAM, wms
from bot.models import KpiDatapoint, KpiQueryRun
from bot.runtime import Runtime
from bot.services import kpis
from bot.standin.driver import SlackDriver
from bot.standin.server import FakeSlack
from tests.conftest import ADMIN, MARIA, SIGNING_SECRET, START, driver_for, instance, settle
from tests.sources import SLEEP, SourceDb, source_for

KPI_CHANNEL = "C0KPI"
DIALECTS = ["sqlite", "mariadb", "postgresql"]
ON_TIME_SQL = "SELECT 100.0 * SUM(on_time) / COUNT(*) FROM {orders}"
DAILY_SQL = (
    "SELECT DATE(shipped_at) AS at, 100.0 * SUM(on_time) / COUNT(*) AS value "
    "FROM {orders} GROUP BY DATE(shipped_at)"
)


def make_runtime(
    database_url: str, fake_slack: FakeSlack, clock: ManualClock, sources: dict[str, str]
) -> Runtime:
    settings = load_settings(
        _env_file=None,
        slack_bot_token="xoxb-test",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.api_url,
        database_url=database_url,
        opsbot_timezone="UTC",
        opsbot_source_timeout=1,
        sources=sources,
    )
    return instance(settings, clock)


@pytest.fixture(params=DIALECTS)
def source(request: pytest.FixtureRequest, tmp_path: Path) -> SourceDb:
    found = source_for(request.param, tmp_path)
    found.reset_orders()
    return found


@pytest.fixture
def app(
    database_url: str, fake_slack: FakeSlack, clock: ManualClock, source: SourceDb
) -> Iterator[Runtime]:
    built = make_runtime(database_url, fake_slack, clock, {"wms": source.url})
    yield built
    built.close()


@pytest.fixture
def slack(app: Runtime, fake_slack: FakeSlack) -> SlackDriver:
    return driver_for(app, fake_slack)


def setup_kpi(slack: SlackDriver, name: str = "on-time") -> None:
    slack.command("/kpi", f"add {name} target=95 unit=% warn=90", user=ADMIN)
    slack.command("/kpi", f"config channel <#{KPI_CHANNEL}|kpis>", user=ADMIN)


def open_modal(slack: SlackDriver, fake_slack: FakeSlack, text: str) -> dict[str, Any]:
    before = len(fake_slack.calls_to("views.open"))
    reply = slack.command("/kpi", text, user=ADMIN)
    assert reply.status == 200 and not reply.body, reply.text()
    opened = fake_slack.wait_for("views.open", count=before + 1)[-1]["view"]
    view = json.loads(opened) if isinstance(opened, str) else opened
    return {**view, "id": f"VQ{before}"}


def submit_sql(slack: SlackDriver, view: dict[str, Any], sql: str, source: SourceDb) -> Any:
    values = {
        "sql": {"sql": {"type": "plain_text_input", "value": sql.format(orders=source.table)}}
    }
    return slack.submit(view, values, user=ADMIN)


def tick(*runtimes: Runtime) -> None:
    for runtime in runtimes:
        runtime.scheduler.tick()
    for runtime in runtimes:
        assert runtime.sources.wait_idle(30)
    settle(*runtimes)


def posts(fake_slack: FakeSlack, channel: str = KPI_CHANNEL) -> list[str]:
    return [
        json.dumps(call.params, ensure_ascii=False)
        for call in fake_slack.calls_to("chat.postMessage")
        if call.params.get("channel") == channel
    ]


def values_of(runtime: Runtime) -> list[float]:
    with runtime.db.session() as session:
        return list(session.scalars(select(KpiDatapoint.value).order_by(KpiDatapoint.at)))


def test_a_query_on_each_dialect_computes_the_kpi_on_schedule(
    slack: SlackDriver, fake_slack: FakeSlack, app: Runtime, clock: ManualClock, source: SourceDb
) -> None:
    start = clock.now()
    source.add_orders([(1, start - timedelta(hours=3), 1), (2, start - timedelta(hours=2), 1)])
    setup_kpi(slack)
    view = open_modal(slack, fake_slack, "query On-Time source=WMS every=1h")
    assert "every 1h (Europe/Berlin) on source `wms`" in json.dumps(view)
    answer = submit_sql(slack, view, ON_TIME_SQL, source).json
    assert answer["response_action"] == "update"
    shown = json.dumps(answer["view"])
    assert "Saved the query of *on-time*: it ran and recorded 100%" in shown
    assert "*on target*" in shown
    source.add_orders([(3, start, 0), (4, start, 0)])
    clock.set(start + timedelta(minutes=59))
    tick(app)
    assert values_of(app) == [100.0]
    clock.set(start + timedelta(hours=1, seconds=20))
    tick(app)
    assert values_of(app) == [100.0, 50.0]
    board = slack.command("/kpi", "", user=MARIA).text()
    assert "*on-time* 50%" in board
    assert any("on-time is off target" in post for post in posts(fake_slack))
    reopened = open_modal(slack, fake_slack, "query on-time")
    assert "100.0 * SUM(on_time)" in json.dumps(reopened)


def test_rows_of_at_and_value_backfill_only_what_is_newer(
    slack: SlackDriver, fake_slack: FakeSlack, app: Runtime, clock: ManualClock, source: SourceDb
) -> None:
    now = clock.now()
    days = [now - timedelta(days=back) for back in (3, 2, 1)]
    source.add_orders([(1, days[0], 1), (2, days[1], 0), (3, days[1], 1), (4, days[2], 1)])
    setup_kpi(slack)
    view = open_modal(slack, fake_slack, "query on-time source=wms every=1d at=07:30 tz=utc")
    shown = json.dumps(submit_sql(slack, view, DAILY_SQL, source).json)
    assert "recorded 3 new values (of 3 rows)" in shown
    assert values_of(app) == [100.0, 50.0, 100.0]
    source.add_orders([(5, now, 0)])
    clock.set(now + timedelta(days=1))
    tick(app)
    assert values_of(app) == [100.0, 50.0, 100.0, 0.0]
    clock.set(now + timedelta(days=2))
    tick(app)
    assert values_of(app) == [100.0, 50.0, 100.0, 0.0]  # nothing newer: nothing recorded
    detail = slack.command("/kpi", "on-time", user=MARIA).text()
    assert ": found 4 rows, none newer than the latest stored value" in detail


def test_a_run_says_which_rows_it_left_and_why(
    slack: SlackDriver, fake_slack: FakeSlack, app: Runtime, clock: ManualClock, source: SourceDb
) -> None:
    now = clock.now()
    source.add_orders(
        [(n, now + timedelta(days=back), 1) for n, back in enumerate((-3, -2, -1, 1, 2), 1)]
    )
    setup_kpi(slack)
    view = open_modal(slack, fake_slack, "query on-time source=wms every=1d at=07:30 tz=utc")
    shown = json.dumps(submit_sql(slack, view, DAILY_SQL, source).json)
    assert (
        "it ran and recorded 3 new values (of 5 rows; the other 2 are dated after this run, "
        "left for a later run)." in shown
    )
    clock.set(now + timedelta(days=1, hours=1))
    tick(app)
    detail = slack.command("/kpi", "on-time", user=MARIA).text()
    assert (
        "recorded 100% (1 of 5 rows; of the other 4, 3 are not newer than the latest stored "
        "value and 1 is dated after this run, left for a later run)" in detail
    )


def test_a_queried_kpi_expects_a_value_as_often_as_its_query_runs(
    slack: SlackDriver, fake_slack: FakeSlack, app: Runtime, clock: ManualClock, source: SourceDb
) -> None:
    source.add_orders([(1, clock.now(), 1)])
    setup_kpi(slack)
    view = open_modal(slack, fake_slack, "query on-time source=wms every=15m")
    submit_sql(slack, view, ON_TIME_SQL, source)
    for _ in range(3):  # irregular runs would teach a longer cadence
        clock.advance(timedelta(minutes=75))
        tick(app)
    detail = slack.command("/kpi", "on-time", user=MARIA).text()
    assert "*Expected*\nevery 15m" in detail
    assert "(learnt)" not in detail
    slack.command("/kpi", "edit on-time every=1d", user=ADMIN)
    assert "*Expected*\nevery 1d" in slack.command("/kpi", "on-time", user=MARIA).text()


def test_a_slow_query_is_cut_at_the_timeout(
    slack: SlackDriver, fake_slack: FakeSlack, app: Runtime, source: SourceDb
) -> None:
    setup_kpi(slack)
    view = open_modal(slack, fake_slack, "query on-time source=wms every=1h")
    answer = submit_sql(slack, view, SLEEP[source.dialect], source).json
    assert answer["response_action"] == "errors"
    assert answer["errors"]["sql"] == "the query took longer than 1 s and was cancelled"
    assert values_of(app) == []


def test_a_write_is_refused(
    slack: SlackDriver, fake_slack: FakeSlack, app: Runtime, source: SourceDb
) -> None:
    source.add_orders([(1, app.clock.now(), 1)])
    setup_kpi(slack)
    view = open_modal(slack, fake_slack, "query on-time source=wms every=1h")
    insert = "INSERT INTO {orders} (id, shipped_at, on_time) VALUES (9, '2026-03-01', 1)"
    refused = submit_sql(slack, view, insert, source).json
    assert refused["response_action"] == "errors"
    assert "Opsbot runs queries read-only" in refused["errors"]["sql"]
    if source.dialect != "sqlite":  # SQLite has no FOR UPDATE
        locking = submit_sql(slack, view, "SELECT on_time FROM {orders} FOR UPDATE", source).json
        assert "Opsbot runs queries read-only" in locking["errors"]["sql"]
    sneaky = submit_sql(slack, view, "SELECT 1; DELETE FROM {orders}", source).json
    assert sneaky["errors"]["sql"] == "a KPI query is one SELECT statement; remove the second one"
    source.execute("SELECT 1")
    assert values_of(app) == []


@pytest.mark.parametrize("source", ["sqlite"], indirect=True)
def test_a_sqlite_query_reads_its_own_file_and_creates_none(
    slack: SlackDriver, fake_slack: FakeSlack, app: Runtime, source: SourceDb, tmp_path: Path
) -> None:
    source.add_orders([(1, app.clock.now(), 1)])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    setup_kpi(slack)
    view = open_modal(slack, fake_slack, "query on-time source=wms every=1h")
    attach = "a query on a SQLite source reads its own file only (no ATTACH or VACUUM INTO)"
    cases = {
        f"ATTACH DATABASE '{elsewhere}/evil.db' AS e": attach,
        f"VACUUM INTO '{elsewhere}/copy.db'": attach,
        f"ATTACH 'file:{elsewhere}/x2.db?mode=rwc' AS f": attach,
        "PRAGMA journal_mode = WAL": "a query may not set PRAGMA journal_mode",
        "SELECT load_extension('/tmp/x')": "a query may not call load_extension()",
        "CREATE TABLE t (x INT)": "a query may not write or change the schema",
    }
    for sql, expected in cases.items():
        answer = submit_sql(slack, view, sql, source).json
        assert answer["errors"]["sql"] == f"Opsbot runs queries read-only: {expected}", sql
    assert list(elsewhere.iterdir()) == []
    reads = submit_sql(
        slack,
        view,
        "WITH r AS (SELECT on_time FROM {orders}) SELECT 100.0 * SUM(on_time) / COUNT(*) FROM r",
        source,
    ).json
    assert reads["response_action"] == "update"
    assert values_of(app) == [100.0]


def test_the_modal_shows_what_is_wrong_and_saves_nothing(
    slack: SlackDriver, fake_slack: FakeSlack, app: Runtime, source: SourceDb
) -> None:
    source.add_orders([(1, app.clock.now(), 1)])
    setup_kpi(slack)
    view = open_modal(slack, fake_slack, "query on-time source=wms every=1h")
    cases = {
        "SELECT note FROM {orders}": "NULL",
        "SELECT 'abc'": "text (`abc`)",
        "SELECT id, on_time, note FROM {orders}": "3 columns",
        "SELECT on_time FROM {orders} WHERE id < 0": "no rows",
        "SELECT nonsense FROM {orders}": "nonsense",
    }
    for sql, expected in cases.items():
        answer = submit_sql(slack, view, sql, source).json
        assert answer["response_action"] == "errors", sql
        assert expected in answer["errors"]["sql"], (sql, answer)
    bare = slack.command("/kpi", "query on-time", user=ADMIN).text()
    assert "Say where and how often on-time's query runs" in bare  # nothing was saved
    assert values_of(app) == []


def test_query_needs_an_admin_a_source_and_a_schedule(
    slack: SlackDriver, fake_slack: FakeSlack, app: Runtime
) -> None:
    setup_kpi(slack)
    refused = slack.command("/kpi", "query on-time source=wms every=1h", user=MARIA).text()
    assert "Only workspace admins and owners" in refused
    unknown = slack.command("/kpi", "query on-time source=erp every=1h", user=ADMIN).text()
    assert "there is no source named erp; sources: wms" in unknown.lower()
    bare = slack.command("/kpi", "query on-time", user=ADMIN).text()
    assert "`/kpi query on-time source=wms every=1h`" in bare
    fast = slack.command("/kpi", "query on-time source=wms every=5m", user=ADMIN).text()
    assert "A query runs from every 15m to once a day (1d), not every 5m" in fast
    seconds = slack.command("/kpi", "query on-time source=wms every=5s", user=ADMIN).text()
    assert "`every=5s` is not a duration; a query runs from every 15m to once a day" in seconds
    off = slack.command("/kpi", "query on-time off", user=ADMIN).text()
    assert "on-time has no query running" in off


@pytest.mark.parametrize("source", ["sqlite"], indirect=True)
def test_a_failing_source_alerts_once_each_way(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    app: Runtime,
    clock: ManualClock,
    source: SourceDb,
    tmp_path: Path,
) -> None:
    start = clock.now()
    source.add_orders([(1, start, 1)])
    setup_kpi(slack)
    view = open_modal(slack, fake_slack, "query on-time source=wms every=15m")
    submit_sql(slack, view, ON_TIME_SQL, source)
    wms = tmp_path / "wms.db"
    wms.rename(tmp_path / "wms-away.db")
    for step in (1, 2, 3):
        clock.set(start + timedelta(minutes=15 * step))
        tick(app)
    failing = [post for post in posts(fake_slack) if "source wms is failing" in post]
    assert len(failing) == 1
    assert "unable to open database file" in failing[0]
    board = slack.command("/kpi", "", user=MARIA).text()
    assert "source failing since" in board
    detail = slack.command("/kpi", "on-time", user=MARIA).text()
    assert (
        "source failing since" in detail and "every 15m (Europe/Berlin) on source `wms`" in detail
    )
    (tmp_path / "wms-away.db").rename(wms)
    for step in (4, 5):
        clock.set(start + timedelta(minutes=15 * step))
        tick(app)
    recovered = [post for post in posts(fake_slack) if "source wms works again" in post]
    assert len(recovered) == 1
    assert "source failing" not in slack.command("/kpi", "", user=MARIA).text()


@pytest.mark.parametrize("source", ["sqlite"], indirect=True)
def test_two_instances_run_one_schedule_once(
    database_url: str,
    fake_slack: FakeSlack,
    clock: ManualClock,
    source: SourceDb,
    app: Runtime,
    slack: SlackDriver,
) -> None:
    start = clock.now()
    source.add_orders([(1, start, 1)])
    setup_kpi(slack)
    view = open_modal(slack, fake_slack, "query on-time source=wms every=1h")
    submit_sql(slack, view, ON_TIME_SQL, source)
    other = make_runtime(database_url, fake_slack, clock, {"wms": source.url})
    try:
        for hour in (1, 2, 3):
            clock.set(start + timedelta(hours=hour))
            tick(app, other)
        with app.db.session() as session:
            runs = session.scalar(select(func.count()).select_from(KpiQueryRun))
        assert runs == 3
        assert len(values_of(app)) == 4  # the first run on submit, then one an hour
    finally:
        other.close()


@pytest.mark.parametrize("source", ["mariadb"], indirect=True)
def test_credentials_never_reach_slack_or_the_logs(
    database_url: str,
    fake_slack: FakeSlack,
    clock: ManualClock,
    source: SourceDb,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "s3cret-Pa55"
    wrong = source.url.replace("root@", f"root:{secret}@")
    caplog.set_level(logging.DEBUG)
    runtime = make_runtime(database_url, fake_slack, clock, {"wms": wrong})
    try:
        slack = driver_for(runtime, fake_slack)
        setup_kpi(slack)
        view = open_modal(slack, fake_slack, "query on-time source=wms every=1h")
        answer = submit_sql(slack, view, "SELECT 1", source).json
        assert "Access denied" in answer["errors"]["sql"]
        assert secret not in json.dumps(answer)
    finally:
        runtime.close()
    assert all(secret not in json.dumps(call.params) for call in fake_slack.calls)
    assert all(secret not in record.getMessage() for record in caplog.records)


def test_the_demo_wms_gives_a_whole_day_every_day_the_demo_covers(
    database_url: str, fake_slack: FakeSlack, clock: ManualClock, tmp_path: Path
) -> None:
    runtime = make_runtime(database_url, fake_slack, clock, {"wms": wms.source_url(tmp_path)})
    try:
        with runtime.db.session() as session:
            kpis.set_kpi_channel(session, team_id=DEMO_TEAM, channel_id=KPI_CHANNEL, now=START)
        wms.seed(runtime, Random(7))
        first_run = clock.now().replace(hour=0, minute=31) + timedelta(days=1)
        for day in range(14):  # as far as `:advance` takes a newcomer in two weeks
            clock.set(first_run + timedelta(days=day))
            tick(runtime)
        with runtime.db.session() as session:
            found = {
                name: kpis.latest_values(
                    session, kpi=kpis.find_kpi(session, team_id=DEMO_TEAM, name=name), count=50
                )
                for name in ("wms-on-time", "wms-lines-per-hour")
            }
            assert wms.stored_source_url(session) == f"sqlite:///{tmp_path / wms.FILE_NAME}"
    finally:
        runtime.close()
    for name, low, high in (("wms-on-time", 85, 100), ("wms-lines-per-hour", 110, 170)):
        days = sorted(at for _value, at in found[name])
        assert len(days) == wms.DAYS_BEFORE + 14, name  # one whole day each, none missing
        assert all(b - a == timedelta(days=1) for a, b in pairwise(days))
        assert all(low <= value <= high for value, _at in found[name]), found[name]
    assert not any("wms-on-time is off target*: 0%" in post for post in posts(fake_slack))


SLOW_BUT_IN_TIME = {
    "sqlite": "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 300000) "
    "SELECT 96.5 + 0 * count(*) FROM r",
    "mariadb": "SELECT 96.5 + SLEEP(0.3)",
    "postgresql": "SELECT 96.5 FROM pg_sleep(0.3)",
}


def test_a_run_slower_than_slacks_deadline_answers_running_then_updates_the_modal(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    app: Runtime,
    source: SourceDb,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The listener waits no time at all, as if every run were slower than Slack's 3 s.
    monkeypatch.setattr("handlers.views.kpi.QUERY_ANSWER_WITHIN_SECONDS", 0)
    setup_kpi(slack)
    view = open_modal(slack, fake_slack, "query on-time source=wms every=1h")
    answer = submit_sql(slack, view, SLOW_BUT_IN_TIME[source.dialect], source).json
    assert answer["response_action"] == "update"
    assert "Running the query" in json.dumps(answer["view"], ensure_ascii=False)
    assert app.sources.wait_idle(30)
    settle(app)
    [update] = fake_slack.wait_for("views.update", lambda c: c["view_id"] == view["id"])
    shown = json.dumps(update["view"], ensure_ascii=False)
    assert "Saved" in shown and "96.5%" in shown
    assert values_of(app) == [96.5]
