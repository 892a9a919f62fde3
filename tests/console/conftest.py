"""A console session in-process: the real app against the console's own stand-in, on each
test database, fed a script of lines exactly as `opsbot console` reads them from a pipe."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import load_settings
from bot.console.session import ConsoleSession
from bot.console.workspace import ConsoleWorkspace, open_workspace

# Monday 2 March 2026, 07:30 in the demo's timezone.
DEMO_START = datetime(2026, 3, 2, 7, 30, tzinfo=ZoneInfo("America/Chicago"))


class ScriptedConsole:
    """Runs lines through a ConsoleSession and returns what it printed, prompts and echoed
    answers included (the same transcript a piped `opsbot console` prints)."""

    def __init__(self, workspace: ConsoleWorkspace) -> None:
        self.workspace = workspace
        self.pending: deque[str] = deque()
        self.printed: list[str] = []
        self.session = ConsoleSession(workspace, ask=self._ask, write=self.printed.append)

    def _ask(self, prompt: str) -> str | None:
        if not self.pending:
            return None
        line = self.pending.popleft()
        self.printed.append(prompt + line)
        return line

    def run(self, *lines: str) -> str:
        """Feed `lines` (commands, and the answers any modal or select asks for)."""
        self.pending.extend(lines)
        start = len(self.printed)
        while (line := self._ask(self.session.prompt)) is not None:
            self.session.handle(line)
        return "\n".join(self.printed[start:])

    def show_pending(self) -> str:
        """What the app did outside any input (for calls a test makes itself)."""
        start = len(self.printed)
        self.session.show_pending()
        return "\n".join(self.printed[start:])


@pytest.fixture
def console(database_url: str, tmp_path: Path) -> Iterator[ScriptedConsole]:
    """The demo workspace (people, channels, seeded data) at Monday 07:30, as @maria."""
    workspace = open_workspace(
        load_settings(_env_file=None),
        directory=tmp_path,
        database_url=database_url,
        demo=True,
        start=DEMO_START,
    )
    yield ScriptedConsole(workspace)
    workspace.close()
