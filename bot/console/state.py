"""What a console leaves in its database, kept as settings of the demo workspace: where its
clock stood, whether the database holds the seeded demo, and the stand-in's conversation.
The next console (or `make run`) resumes from it, and admin commands on that database run
on its clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.db import Database
from bot.demo import DEMO_TEAM
from bot.migrate import upgrade
from bot.services import workspace as workspace_settings

CLOCK_KEY = "console.clock"
DEMO_KEY = "console.demo_seeded_at"
CONVERSATION_KEY = "console.standin"


@dataclass(frozen=True)
class ConsoleState:
    """What an earlier console left in a database: where its clock stood, and whether it
    holds the seeded demo."""

    clock: datetime | None = None
    demo_seeded: bool = False
    conversation: str | None = None


def saved_state(url: str) -> ConsoleState:
    """Read the console's state from the database (migrating it first)."""
    upgrade(url)
    db = Database(url)
    try:
        with db.session() as session:
            clock = workspace_settings.get_setting(session, team_id=DEMO_TEAM, key=CLOCK_KEY)
            seeded = workspace_settings.get_setting(session, team_id=DEMO_TEAM, key=DEMO_KEY)
            conversation = workspace_settings.get_setting(
                session, team_id=DEMO_TEAM, key=CONVERSATION_KEY
            )
    finally:
        db.dispose()
    return ConsoleState(
        clock=datetime.fromisoformat(clock) if clock else None,
        demo_seeded=seeded is not None,
        conversation=conversation,
    )
