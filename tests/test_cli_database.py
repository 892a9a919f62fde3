"""Which database and workspace an `opsbot` admin command works on: `--database`, the
console's demo database when nothing else is set, `--team` defaulting to the only workspace
and a wrong `--team` named as such; and no Alembic chatter on stderr."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import database_label
from bot.console.state import CLOCK_KEY, DEMO_KEY
from bot.db import Database
from bot.demo import DEMO_TEAM
from bot.migrate import upgrade
from bot.services import kpi_ingest, kpis
from bot.services.workspace import set_setting
from tests.conftest import START, TEAM
from tests.serve_process import OPSBOT, clean_env

USING_CONSOLE_DB = (
    "Using the console's demo database console.db, as DATABASE_URL is not set and "
    "opsbot.db holds no workspace (--database chooses another)."
)


@pytest.fixture
def cli_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty directory as the working directory, with no Slack or database setting."""
    monkeypatch.chdir(tmp_path)
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "DATABASE_URL",
        "OPSBOT_LOG_LEVEL",
    ):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def add_kpi(url: str, *, team_id: str, name: str = "pick-rate") -> None:
    upgrade(url)
    db = Database(url)
    with db.session() as session:
        kpis.create_kpi(
            session, team_id=team_id, name=name, target=140, created_by="UMARIA", now=START
        )
    db.dispose()


def test_database_option_and_the_only_workspace(
    cli_dir: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    add_kpi(database_url, team_id=DEMO_TEAM)
    where = database_label(database_url)

    assert main(["kpi", "export", "--kpi", "pick-rate", "--database", database_url]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "kpi,value,at"
    assert err == f"Using workspace T0DEMO, the only one in {where}.\n"

    # Before the command too, and a workspace id in lower case is the same workspace.
    assert main(["--database", database_url, "token", "list", "--team", "t0demo"]) == 0
    assert capsys.readouterr().err == ""

    assert main(["kpi", "export", "--team", "T0NOPE", "--database", database_url]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"There is no workspace T0NOPE in {where}; workspaces here: T0DEMO.\n"

    add_kpi(database_url, team_id=TEAM, name="on-time")
    assert main(["kpi", "export", "--database", database_url]) == 2
    assert capsys.readouterr().err == (
        f"Give --team: {where} holds several workspaces: T0001, T0DEMO.\n"
    )
    assert (
        main(["kpi", "export", "--kpi", "on-time", "--team", TEAM, "--database", database_url]) == 0
    )


def test_a_database_file_path_and_an_empty_database(
    cli_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate", "--database", "empty.db"]) == 0
    capsys.readouterr()
    assert main(["token", "list", "--database", "empty.db"]) == 2
    assert capsys.readouterr().err == "Give --team T…: empty.db holds no workspace yet.\n"
    # A new installation has no data yet: its workspace id is taken as given.
    assert main(["token", "create", "--team", "T0NEW", "--database", "empty.db"]) == 0
    assert "Token 1 (ingest) for T0NEW" in capsys.readouterr().out
    assert main(["token", "list", "--database", str(cli_dir / "empty.db")]) == 0
    out, err = capsys.readouterr()
    assert "\tingest\t" in out
    assert err == f"Using workspace T0NEW, the only one in {cli_dir / 'empty.db'}.\n"
    assert main(["token", "list", "--database", "mysql://nope"]) == 2
    assert capsys.readouterr().err.startswith("--database is invalid: must be a sqlite:///")


def test_the_console_database_is_used_when_nothing_else_is_set(
    cli_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_kpi("sqlite:///console.db", team_id=DEMO_TEAM)

    assert main(["kpi", "export", "--kpi", "pick-rate"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "kpi,value,at"
    assert err.splitlines() == [
        USING_CONSOLE_DB,
        "Using workspace T0DEMO, the only one in console.db.",
    ]

    # `migrate` (like serve and run) keeps to opsbot.db; an empty opsbot.db changes nothing.
    assert main(["migrate"]) == 0
    assert (cli_dir / "opsbot.db").exists()
    capsys.readouterr()
    assert main(["kpi", "export", "--kpi", "pick-rate"]) == 0
    assert capsys.readouterr().err.splitlines()[0] == USING_CONSOLE_DB

    # Once opsbot.db holds a workspace, or DATABASE_URL is set, the console's is left alone.
    add_kpi("sqlite:///opsbot.db", team_id=TEAM)
    assert main(["token", "list"]) == 0
    assert capsys.readouterr().err == "Using workspace T0001, the only one in opsbot.db.\n"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{cli_dir / 'elsewhere.db'}")
    assert main(["token", "list"]) == 1
    assert capsys.readouterr().err == (
        f"There is no database at {cli_dir / 'elsewhere.db'}; `opsbot migrate` creates one.\n"
    )


def test_no_alembic_lines_on_stderr_unless_debugging(tmp_path: Path) -> None:
    add_kpi(f"sqlite:///{tmp_path / 'ops.db'}", team_id=DEMO_TEAM)
    command = [OPSBOT, "token", "list", "--database", "ops.db"]
    quiet = subprocess.run(
        command, cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=60
    )
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == "Using workspace T0DEMO, the only one in ops.db.\n"
    debug = subprocess.run(
        command,
        cwd=tmp_path,
        env=clean_env(OPSBOT_LOG_LEVEL="DEBUG"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert debug.returncode == 0, debug.stderr
    assert "alembic.runtime.migration" in debug.stderr


def test_a_database_that_cannot_be_opened_is_one_sentence(
    cli_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = cli_dir / "a-folder.db"
    folder.mkdir()
    assert main(["token", "list", "--team", DEMO_TEAM, "--database", str(folder)]) == 1
    assert capsys.readouterr().err == (
        f"Cannot use the database {folder} (unable to open database file): check --database.\n"
    )


def test_a_mistyped_database_path_is_refused_and_nothing_is_created(
    cli_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (cli_dir / "v.csv").write_text("kpi,value,at\npick-rate,130,2026-12-07T13:00:00Z\n")
    for command in (["kpi", "import", "v.csv"], ["deliveries"], ["token", "list"]):
        assert main([*command, "--database", "t14/nope.db"]) == 1
        assert capsys.readouterr().err == (
            "There is no database at t14/nope.db; "
            "`opsbot migrate --database t14/nope.db` creates one.\n"
        )
    assert sorted(p.name for p in cli_dir.iterdir()) == ["v.csv"]
    # Commands that need no database still work.
    assert main(["source", "list", "--database", "t14/nope.db"]) == 0


def test_commands_on_a_console_database_run_on_its_clock(
    cli_dir: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo's clock is months ahead of the real one: a value at the demo's 07:25 is
    not in the future, and a value without a time is recorded at the demo's now."""
    add_kpi(database_url, team_id=DEMO_TEAM)
    demo_now = datetime(2031, 12, 8, 13, 30, tzinfo=UTC)  # Mon 8 Dec 2031, 07:30 in Chicago
    db = Database(database_url)
    with db.session() as session:
        for key in (CLOCK_KEY, DEMO_KEY):
            set_setting(
                session, team_id=DEMO_TEAM, key=key, value=demo_now.isoformat(), now=demo_now
            )
    db.dispose()
    (cli_dir / "v.csv").write_text("kpi,value,at\npick-rate,130,2031-12-08T13:25:00Z\n")

    assert main(["kpi", "import", "v.csv", "--database", database_url]) == 0
    out, err = capsys.readouterr()
    assert out == "Imported 1 value into 1 KPI from v.csv.\n"
    assert err.splitlines()[-1] == "Using the demo's clock: Mon 8 Dec 2031 07:30 CST."

    assert main(["token", "create", "--database", database_url]) == 0
    capsys.readouterr()
    db = Database(database_url)
    with db.session() as session:
        [token] = kpi_ingest.list_tokens(session, team_id=DEMO_TEAM)
        assert demo_now <= token.created_at < demo_now + timedelta(minutes=1)
    db.dispose()
