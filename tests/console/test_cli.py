"""`opsbot console --demo` as a real process, scripted through a pipe."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.serve_process import OPSBOT, clean_env

SCRIPT = """\
/ops help
:as @priya
/ops launch
:dm hello
:advance 40m
:channels
:users
:click 1
:click 99
:quit
/ops help
"""


def test_scripted_demo_session_prints_the_conversation_and_exits(tmp_path: Path) -> None:
    result = subprocess.run(
        [OPSBOT, "console", "--demo"],
        cwd=tmp_path,
        env=clean_env(),
        input=SCRIPT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert result.stderr == ""
    assert "Opsbot console: the real Opsbot app and scheduler against a Slack stand-in" in out
    assert "You are @maria in #general; it is Mon " in out
    assert "07:30 CST.\n" in out
    assert "@maria #general> /ops help\n▸ Only visible to you\n  Opsbot help" in out
    assert "@priya #general> /ops launch" in out  # echoed, in Priya's own timezone (EST)
    assert "EST] @priya" in out
    assert "`/ops launch` is not an Opsbot command." in out
    assert "▸ DM to @priya\n  Hi! I escalate issues" in out
    assert "09:10 EST." in out
    assert "#ops-huddle         C0HUDDLE" in out
    assert "@omar    Omar Haddad" in out
    # The 40 minutes brought the demo's unacknowledged sev1 to level 2 and a reminder;
    # Priya acknowledges it from the reminder.
    assert "Not acknowledged in time: escalated to level 2" in out
    assert "│ :white_check_mark: Acknowledged by @priya, who takes it over from @maria." in out
    assert "Usage: :click N" in out
    assert out.count("/ops help\n") == 1  # nothing runs after :quit
    assert (tmp_path / "console.db").exists()
    assert (tmp_path / "console-output" / "console.log").exists()


def test_demo_refuses_a_database_that_already_holds_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mine.db'}"
    first = subprocess.run(
        [OPSBOT, "console", "--demo", "--database", url],
        cwd=tmp_path,
        env=clean_env(),
        input="",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert first.returncode == 0, first.stderr
    again = subprocess.run(
        [OPSBOT, "console", "--demo", "--database", url],
        cwd=tmp_path,
        env=clean_env(),
        input="",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 2
    assert again.stderr.strip() == (
        "--demo needs an empty database, and the one given with --database already holds "
        "data; leave out --database to use a fresh console.db."
    )
