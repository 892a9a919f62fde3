"""`opsbot source list|test` and `opsbot kpi query set|run|off`, run in-process against a
real SQLite source (and MariaDB for `source test`)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.db import Database
from bot.demo import DEMO_TEAM, wms
from bot.models import Delivery, KpiDatapoint, KpiQuery
from bot.services import kpis, workspace
from tests.conftest import START, TEAM
from tests.sources import mariadb_source, sqlite_source


@pytest.fixture
def cli_env(db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db.url)
    source = sqlite_source(tmp_path)
    source.reset_orders()
    now = datetime.now(UTC)
    source.add_orders([(1, now - timedelta(hours=1), 1), (2, now - timedelta(hours=1), 0)])
    monkeypatch.setenv("OPSBOT_SOURCE_WMS", source.url)
    monkeypatch.setenv("OPSBOT_SOURCE_TIMEOUT", "2")
    with db.session() as session:
        kpis.create_kpi(
            session, team_id=TEAM, name="on-time", target=95, unit="%", created_by="U1", now=START
        )
    return tmp_path


def test_source_list_and_test_never_show_credentials(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPSBOT_SOURCE_ERP", "postgresql://reader:hunter2@127.0.0.1:1/erp")
    assert main(["source", "list"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == ["erp\tpostgresql", "wms\tsqlite"]
    assert main(["source", "test", "WMS"]) == 0
    assert "Source wms (sqlite) answered SELECT 1 read-only in" in capsys.readouterr().out
    assert main(["source", "test", "erp"]) == 1
    err = capsys.readouterr().err
    assert "Source erp: cannot connect" in err and "hunter2" not in err
    assert main(["source", "test", "crm"]) == 1
    assert "there is no source named crm; sources: erp, wms" in capsys.readouterr().err


def test_source_test_on_mariadb(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPSBOT_SOURCE_WAREHOUSE", mariadb_source().url)
    assert main(["source", "test", "warehouse"]) == 0
    assert "Source warehouse (mysql) answered SELECT 1" in capsys.readouterr().out


def test_query_set_run_off_from_files(
    cli_env: Path, db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = cli_env / "bad.sql"
    bad.write_text("SELECT note FROM orders WHERE id = 1")
    base = ["kpi", "query", "set", "on-time", "--team", TEAM, "--source", "wms", "--every", "1h"]
    assert main([*base, "--file", str(bad)]) == 1
    assert "NULL" in capsys.readouterr().err
    good = cli_env / "on_time.sql"
    good.write_text("SELECT 100.0 * SUM(on_time) / COUNT(*) FROM orders;\n")
    assert main([*base, "--at", "06:15", "--tz", "Europe/Berlin", "--file", str(good)]) == 0
    assert "Saved the query of on-time: it ran and recorded 50%." in capsys.readouterr().out
    assert main(["kpi", "query", "run", "on-time", "--team", TEAM]) == 0
    assert "The query of on-time ran and recorded 50%." in capsys.readouterr().out
    with db.session() as session:
        assert list(session.scalars(select(KpiDatapoint.value))) == [50.0, 50.0]
    assert main(["kpi", "query", "off", "on-time", "--team", TEAM]) == 0
    assert "Stopped the query of on-time" in capsys.readouterr().out
    assert main(["kpi", "query", "off", "on-time", "--team", TEAM]) == 1
    assert main([*base[:-1], "5m", "--file", str(good)]) == 1
    assert "a query runs from every 15m to once a day (1d), not every 5m" in capsys.readouterr().err
    assert main([*base[:-1], "5s", "--file", str(good)]) == 1
    assert "`every=5s` is not a duration; a query runs from every 15m to once a day" in (
        capsys.readouterr().err
    )


def test_a_cli_without_the_source_says_so_and_records_nothing(
    cli_env: Path, db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    good = cli_env / "on_time.sql"
    good.write_text("SELECT 100.0 * SUM(on_time) / COUNT(*) FROM orders")
    set_query = ["kpi", "query", "set", "on-time", "--source", "wms", "--every", "1h"]
    with db.session() as session:
        kpis.set_kpi_channel(session, team_id=TEAM, channel_id="C0KPI", now=START)
    assert main([*set_query, "--team", TEAM, "--file", str(good)]) == 0
    capsys.readouterr()
    monkeypatch.delenv("OPSBOT_SOURCE_WMS")
    assert main(["kpi", "query", "run", "on-time", "--team", TEAM]) == 1
    err = capsys.readouterr().err
    assert (
        "on-time's query runs on source wms, which is not configured here: set "
        "OPSBOT_SOURCE_WMS=<SQLAlchemy URL> in the environment or .env" in err
    )
    assert "The query did not run; nothing was recorded." in err
    with db.session() as session:
        query = session.scalars(select(KpiQuery)).one()
        assert query.failing_since is None and query.failure is None
        alerts = list(session.scalars(select(Delivery.payload)))
    assert not any("failing" in json.dumps(payload) for payload in alerts)


def test_the_cli_words_what_a_run_left_out(
    cli_env: Path, db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    daily = cli_env / "daily.sql"
    daily.write_text(
        "SELECT date(shipped_at) AS at, 100.0 * SUM(on_time) / COUNT(*) AS value "
        "FROM orders GROUP BY date(shipped_at)"
    )
    base = ["kpi", "query", "set", "on-time", "--team", TEAM, "--source", "wms", "--every", "1d"]
    assert main([*base, "--file", str(daily)]) == 0
    assert "Saved the query of on-time: it ran and recorded 50%." in capsys.readouterr().out
    assert main(["kpi", "query", "run", "on-time", "--team", TEAM]) == 0
    assert (
        "The query of on-time ran and found 1 row, not newer than the latest stored value."
        in capsys.readouterr().out
    )


def test_the_cli_knows_the_console_demos_source(
    cli_env: Path,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = cli_env / "on_time.sql"
    good.write_text("SELECT 100.0 * SUM(on_time) / COUNT(*) FROM orders")
    base = ["kpi", "query", "set", "on-time", "--team", TEAM, "--source", "wms", "--every", "1h"]
    assert main([*base, "--file", str(good)]) == 0
    wms_url = os.environ["OPSBOT_SOURCE_WMS"]
    monkeypatch.delenv("OPSBOT_SOURCE_WMS")
    with db.session() as session:  # what `opsbot console --demo` leaves in its database
        workspace.set_setting(
            session, team_id=DEMO_TEAM, key=wms.SOURCE_URL_KEY, value=wms_url, now=START
        )
    capsys.readouterr()
    assert main(["kpi", "query", "run", "on-time", "--team", TEAM]) == 0
    shown = capsys.readouterr()
    assert f"Using the console demo's source wms: {wms_url}." in shown.err
    assert "The query of on-time ran and recorded 50%." in shown.out
    if db.url.startswith("sqlite"):  # listing sources opens no database server
        assert main(["source", "list"]) == 0
        assert capsys.readouterr().out.splitlines() == ["wms\tsqlite"]
