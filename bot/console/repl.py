"""`opsbot console`: reads what the user types, from a terminal (with a prompt showing who
and when, and line editing when readline is available) or from a pipe (each line echoed
before what it causes, ending at the end of the input, so a session can be scripted)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.config import Settings, database_label
from bot.demo import DEMO_TEAM

if TYPE_CHECKING:
    from bot.console.session import ConsoleSession
    from bot.console.workspace import ConsoleWorkspace

LOG_FILE = "console.log"


def run_console(
    settings: Settings,
    *,
    demo: bool,
    database_url: str | None,
    resume: bool = False,
    directory: Path | None = None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> int:
    """Run the console until `:quit` or the end of the input; returns the exit status.
    `demo` seeds a fresh demo; with `resume`, a demo the database already holds is kept."""
    directory = directory or Path()
    output_dir = directory / "console-output"
    _log_to_file(output_dir / LOG_FILE, settings.opsbot_log_level)
    # Imported only now: importing Alembic logs, and logs belong in the file, not the terminal.
    from bot.console.session import ConsoleSession
    from bot.console.workspace import ConsoleError, open_workspace

    def write(text: str) -> None:
        print(text, file=stdout, flush=True)

    try:
        workspace = open_workspace(
            settings, directory=directory, database_url=database_url, demo=demo, resume=resume
        )
    except ConsoleError as problem:
        print(problem, file=sys.stderr)
        return 2
    interactive = stdin.isatty()
    if interactive:
        _enable_line_editing()

    def ask(prompt: str) -> str | None:
        if interactive:
            try:
                return input(prompt)
            except (EOFError, KeyboardInterrupt):
                write("")
                return None
        line = stdin.readline()
        if not line:
            return None
        line = line.rstrip("\n")
        write(prompt + line)
        return line

    try:
        session = ConsoleSession(workspace, ask=ask, write=write)
        write(_banner(session, output_dir=output_dir))
        while (line := ask(session.prompt)) is not None:
            try:
                if not session.handle(line):
                    break
            except KeyboardInterrupt:
                write("(interrupted)")
    finally:
        workspace.close()
    return 0


def _banner(session: ConsoleSession, *, output_dir: Path) -> str:
    workspace = session.workspace
    if workspace.is_demo and workspace.resumed:
        what = "the demo distribution centre, as you left it"
    elif workspace.is_demo:
        what = "the demo distribution centre, seeded with its people, channels and history"
    elif workspace.resumed:
        what = "the stand-in workspace with the demo people and channels, as you left it"
    else:
        what = "the stand-in workspace with the demo people and channels"
    when = "the clock resumes at" if workspace.resumed else "it is"
    return (
        "Opsbot console: the real Opsbot app and scheduler against a Slack stand-in on this "
        "machine; nothing is sent to Slack.\n"
        f"Workspace: {what}. You are @{session.profile(session.user)['name']} in "
        f"{session.renderer.channel(session.channel)}; {when} {session.time_label()}.\n"
        f"{_kept(workspace)}\n"
        f"Type /ops help for Opsbot's commands and :help for the console's. "
        f"Files and logs go to {output_dir}."
    )


def _kept(workspace: ConsoleWorkspace) -> str:
    """Where this session is kept, and the commands that come back to it or start afresh."""
    where = database_label(workspace.runtime.settings.database_url)
    if not workspace.default_database:
        again = f"`opsbot console --database {where}` resumes it"
    elif workspace.is_demo:
        again = "`make run` and `opsbot console` resume it, `opsbot console --demo` starts afresh"
    else:
        again = "`opsbot console` resumes it"
    return (
        f"Kept in {where} (workspace {DEMO_TEAM}), clock included: {again}; "
        f"`opsbot kpi … --database {where}` works on it from the command line."
    )


def _enable_line_editing() -> None:
    try:
        import readline  # noqa: F401  (imported for its side effect on input())
    except ImportError:
        return


def _log_to_file(path: Path, level: str) -> None:
    """Logs would garble the conversation on the terminal; they go to a file instead."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
