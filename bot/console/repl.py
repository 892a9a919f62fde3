"""`opsbot console`: reads what the user types, from a terminal (with a prompt showing who
and when, and line editing when readline is available) or from a pipe (each line echoed
before what it causes, ending at the end of the input, so a session can be scripted)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.config import Settings

if TYPE_CHECKING:
    from bot.console.session import ConsoleSession

LOG_FILE = "console.log"


def run_console(
    settings: Settings,
    *,
    demo: bool,
    database_url: str | None,
    directory: Path | None = None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> int:
    """Run the console until `:quit` or the end of the input; returns the exit status."""
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
            settings, directory=directory, database_url=database_url, demo=demo
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
        write(_banner(session, demo=demo, output_dir=output_dir))
        while (line := ask(session.prompt)) is not None:
            try:
                if not session.handle(line):
                    break
            except KeyboardInterrupt:
                write("(interrupted)")
    finally:
        workspace.close()
    return 0


def _banner(session: ConsoleSession, *, demo: bool, output_dir: Path) -> str:
    what = (
        "the demo distribution centre, seeded with its people, channels and history"
        if demo
        else "the stand-in workspace with the demo people and channels"
    )
    return (
        "Opsbot console: the real Opsbot app and scheduler against a Slack stand-in on this "
        "machine; nothing is sent to Slack.\n"
        f"Workspace: {what}. You are @{session.profile(session.user)['name']} in "
        f"{session.renderer.channel(session.channel)}; it is {session.time_label()}.\n"
        f"Type /ops help for Opsbot's commands and :help for the console's. "
        f"Files and logs go to {output_dir}."
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
