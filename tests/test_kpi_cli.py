"""`opsbot kpi import|export` and `opsbot token create|list|revoke`, run in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.db import Database
from bot.services import kpi_ingest, kpis
from tests.conftest import START, TEAM

CSV_OK = "kpi,value,at\non-time,96.5,2026-03-01T08:00:00Z\nON-TIME,94,2026-03-02T08:00:00+01:00\n"
CSV_BAD = "kpi,value,at\non-time,96.5,2026-03-01\non-time,,2026-03-02\nontime,97,2026-03-02\n"


@pytest.fixture
def cli_env(db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db.url)
    with db.session() as session:
        kpis.create_kpi(
            session, team_id=TEAM, name="on-time", target=95, created_by="UADMIN", now=START
        )
    return tmp_path


def test_import_is_all_or_nothing_then_export(
    cli_env: Path, db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = cli_env / "bad.csv"
    bad.write_text(CSV_BAD)
    assert main(["kpi", "import", str(bad), "--team", TEAM]) == 1
    err = capsys.readouterr().err
    assert "Nothing was imported" in err
    assert "line 3, column value: empty" in err
    assert "line 4, column kpi: There is no KPI named ontime. Did you mean on-time?" in err
    assert main(["kpi", "export", "--team", TEAM]) == 0
    assert capsys.readouterr().out.strip() == "kpi,value,at"

    good = cli_env / "good.csv"
    good.write_text(CSV_OK)
    assert main(["kpi", "import", str(good), "--team", TEAM]) == 0
    assert "Imported 2 values into 1 KPI from" in capsys.readouterr().out
    assert main(["kpi", "export", "--team", TEAM, "--kpi", "ON-TIME", "--since", "2026-03-02"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "kpi,value,at",
        "on-time,94,2026-03-02T07:00:00Z",
    ]


def test_header_must_name_the_columns(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wrong = cli_env / "wrong.csv"
    wrong.write_text("name,value\non-time,96\n")
    assert main(["kpi", "import", str(wrong), "--team", TEAM]) == 1
    assert "missing: kpi, at" in capsys.readouterr().err


def test_token_is_shown_once_stored_hashed_and_revocable(
    cli_env: Path, db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token", "create", "--team", TEAM, "--name", "wms"]) == 0
    token = capsys.readouterr().out.splitlines()[-1]
    assert token.startswith("opsbot_")
    with db.session() as session:
        assert kpi_ingest.team_for_token(session, token=token) == TEAM
        stored = kpi_ingest.list_tokens(session, team_id=TEAM)[0]
        assert stored.token_hash != token
    assert main(["token", "list", "--team", TEAM]) == 0
    assert "wms" in capsys.readouterr().out
    assert main(["token", "revoke", str(stored.id), "--team", TEAM]) == 0
    with db.session() as session:
        assert kpi_ingest.team_for_token(session, token=token) is None
    assert main(["token", "revoke", "99", "--team", TEAM]) == 1
