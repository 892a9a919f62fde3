"""`opsbot kpi import` of a file already imported: values stored for the same KPI and time
are skipped (or replaced with --replace, each replacement in the KPI's changes), and a file
that gives one KPI two values at one time is refused by line number."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.db import Database
from bot.services import kpi_changes, kpis
from tests.conftest import START, TEAM

CSV = (
    "kpi,value,at\n"
    "pick-rate,143.2,2026-02-27T08:00:00Z\n"
    "pick-rate,141,2026-02-28T08:00:00Z\n"
    "pick-rate,139.5,2026-03-01T08:00:00Z\n"
)


@pytest.fixture
def cli_env(db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db.url)
    with db.session() as session:
        kpis.create_kpi(
            session, team_id=TEAM, name="pick-rate", target=140, created_by="UADMIN", now=START
        )
    return tmp_path


def _export(capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["kpi", "export", "--team", TEAM]) == 0
    return capsys.readouterr().out.splitlines()[1:]


def test_importing_twice_skips_what_is_stored_and_replace_overwrites(
    cli_env: Path, db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    first = cli_env / "picks.csv"
    first.write_text(CSV)
    assert main(["kpi", "import", str(first), "--team", TEAM]) == 0
    assert "Imported 3 values into 1 KPI from" in capsys.readouterr().out

    assert main(["kpi", "import", str(first), "--team", TEAM]) == 0
    out = capsys.readouterr().out
    assert "Imported 0 values into 0 KPIs" in out
    assert "; 3 already stored with the same value." in out
    assert len(_export(capsys)) == 3

    corrected = cli_env / "corrected.csv"
    corrected.write_text(CSV.replace("141,", "142,") + "pick-rate,150,2026-03-02T07:00:00Z\n")
    assert main(["kpi", "import", str(corrected), "--team", TEAM]) == 0
    out = capsys.readouterr().out
    assert "Imported 1 value into 1 KPI" in out
    assert (
        "; 2 already stored with the same value; 1 already stored with a different value: " in out
    )
    assert "use --replace to overwrite them." in out
    assert "pick-rate,141,2026-02-28T08:00:00Z" in _export(capsys)

    assert main(["kpi", "import", str(corrected), "--team", TEAM, "--replace"]) == 0
    out = capsys.readouterr().out
    assert "Imported 0 values into 0 KPIs" in out
    assert (
        "; replaced 1 already stored with a different value; 3 already stored with the same value."
        in out
    )
    exported = _export(capsys)
    assert len(exported) == 4 and "pick-rate,142,2026-02-28T08:00:00Z" in exported

    with db.session() as session:
        kpi = kpis.find_kpi(session, team_id=TEAM, name="pick-rate")
        [change], total = kpi_changes.recent_changes(session, kpi=kpi)
    assert total == 1 and change.kind == "replace" and change.user_id is None
    assert change.value is not None and change.value.value == 141 and change.new_value == 142


def test_one_file_with_two_values_for_one_time_is_refused(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doubled = cli_env / "doubled.csv"
    doubled.write_text(
        CSV
        + "pick-rate,143.2,2026-02-27T08:00:00Z\n"  # the same row again: read once
        + "PICK-RATE,120,2026-03-01T09:00:00+01:00\n"  # line 4's time, another value
    )
    assert main(["kpi", "import", str(doubled), "--team", TEAM]) == 1
    err = capsys.readouterr().err
    assert "Nothing was imported" in err
    assert (
        "line 6, column at: line 4 already gives pick-rate a value at 2026-03-01T08:00:00Z; "
        "keep one of the two"
    ) in err
    assert "line 5" not in err
    assert _export(capsys) == []

    doubled.write_text(CSV + "pick-rate,143.2,2026-02-27T08:00:00Z\n")
    assert main(["kpi", "import", str(doubled), "--team", TEAM]) == 0
    assert "Imported 3 values into 1 KPI" in capsys.readouterr().out


def test_an_unquoted_comma_is_named_and_differing_values_are_counted_apart(
    cli_env: Path, db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    shifted = cli_env / "shifted.csv"
    shifted.write_text(CSV + "pick-rate,1,234,2026-03-01T09:00:00Z\npick-rate,150\n")
    assert main(["kpi", "import", str(shifted), "--team", TEAM]) == 1
    err = capsys.readouterr().err
    assert (
        "line 5 has 4 fields where 3 are expected (kpi,value,at); a value with a comma in it "
        'needs quotes, such as "3,5"' in err
    )
    assert "line 6 has 2 fields where 3 are expected (kpi,value,at)\n" in err + "\n"
    assert "is not a time" not in err

    quoted = cli_env / "quoted.csv"
    quoted.write_text(CSV + 'pick-rate,"141,5",2026-03-01T09:00:00Z\n')
    assert main(["kpi", "import", str(quoted), "--team", TEAM]) == 0
    assert "Imported 4 values into 1 KPI" in capsys.readouterr().out
    assert "pick-rate,141.5,2026-03-01T09:00:00Z" in _export(capsys)  # a decimal comma

    # A first import next to values typed in Slack: identical and different ones told apart.
    other = cli_env / "other.csv"
    other.write_text(CSV.replace("143.2,", "150.5,").replace("141,", "140,"))
    assert main(["kpi", "import", str(other), "--team", TEAM]) == 0
    out = capsys.readouterr().out
    assert "Imported 0 values into 0 KPIs from " in out
    assert (
        "; 1 already stored with the same value; 2 already stored with a different value: "
        "use --replace to overwrite them." in out
    )
