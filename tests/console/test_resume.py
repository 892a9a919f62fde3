"""The console keeps the demo where it was left: its data and its clock, in the database;
`make run` resumes the demo, `opsbot console --demo` starts it afresh."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.console.workspace import ConsoleError, open_workspace
from tests.console.conftest import DEMO_START, ScriptedConsole
from tests.serve_process import OPSBOT, clean_env


def test_the_clock_and_the_data_resume_where_they_were_left(
    database_url: str, tmp_path: Path
) -> None:
    settings = load_settings(_env_file=None)

    def reopen(*, demo: bool, resume: bool = False) -> ScriptedConsole:
        workspace = open_workspace(
            settings,
            directory=tmp_path,
            database_url=database_url,
            demo=demo,
            resume=resume,
            start=DEMO_START,
        )
        return ScriptedConsole(workspace)

    first = reopen(demo=True, resume=True)
    assert (first.workspace.is_demo, first.workspace.resumed) == (True, False)
    shown = first.run(":dm hello", "/escalate sev2 Dock door 4 stuck", ":advance 2h")
    number = re.search(r"ESC-\d+", shown)
    assert number is not None
    assert "It is now Mon 2 Mar 2026 09:30 CST." in shown
    first.workspace.close()

    # `make run` again: the same demo, at the same time, in the demo's timezone.
    second = reopen(demo=True, resume=True)
    assert (second.workspace.is_demo, second.workspace.resumed) == (True, True)
    assert second.workspace.clock.now() == DEMO_START + timedelta(hours=2)
    assert second.workspace.runtime.settings.opsbot_timezone == "America/Chicago"
    # The new run's first event is not taken for a repeat of the last run's first one.
    dm = second.run(":dm sev3 Wrap machine 2 out of film")
    assert "Wrap machine 2 out of film" in dm and "ESC-" in dm
    assert number.group(0) in second.run("/escalate list")
    # The stand-in remembers what it showed: the escalation's card is updated in place.
    acked = second.run(f"/escalate ack {number.group(0)}")
    assert "▸ #ops-escalations · updated" in acked
    assert "message_not_found" not in acked
    second.workspace.close()

    # `opsbot console`: asked to start earlier, the clock still never goes back.
    third = reopen(demo=False)
    assert third.workspace.clock.now() == DEMO_START + timedelta(hours=2)
    assert "It is now Mon 2 Mar 2026 10:00 CST." in third.run(":advance 30m")
    third.workspace.close()

    fourth = reopen(demo=False)
    assert fourth.workspace.clock.now() == DEMO_START + timedelta(hours=2, minutes=30)
    fourth.workspace.close()

    # `--demo` with a database given never throws its data away.
    with pytest.raises(ConsoleError, match="--demo needs an empty database"):
        reopen(demo=True)


MINE = "Forklift 7 battery swap overdue"


def run(command: list[str], cwd: Path, script: str) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=clean_env(), input=script, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_run_resumes_the_demo_and_console_demo_starts_afresh(tmp_path: Path) -> None:
    first = run([OPSBOT, "run"], tmp_path, f"/escalate sev2 {MINE}\n:advance 2h\n")
    assert "Workspace: the demo distribution centre, seeded with its people" in first
    assert (
        "Kept in console.db (workspace T0DEMO), clock included: `make run` and "
        "`opsbot console` resume it, `opsbot console --demo` starts afresh; "
        "`opsbot kpi … --database console.db` works on it from the command line." in first
    )
    started = re.search(r"it is (Mon \d\d? \w+ \d{4}) 07:30 CST\.", first)
    number = re.search(r"ESC-\d+", first)
    assert started is not None and number is not None
    day = started.group(1)
    assert f"It is now {day} 09:30 CST." in first

    again = run([OPSBOT, "run"], tmp_path, "/escalate list\n")
    assert (
        "Workspace: the demo distribution centre, as you left it. You are @maria in #general; "
        f"the clock resumes at {day} 09:30 CST." in again
    )
    assert number.group(0) in again and MINE in again

    console = run([OPSBOT, "console"], tmp_path, ":advance 1h\n")
    assert f"the clock resumes at {day} 09:30 CST." in console
    assert f"It is now {day} 10:30 CST." in console

    fresh = run([OPSBOT, "console", "--demo"], tmp_path, "/escalate list\n")
    assert "seeded with its people, channels and history. You are @maria in #general; " in fresh
    assert f"it is {day} 07:30 CST." in fresh
    assert MINE not in fresh
