"""All models, imported so that `Base.metadata` knows every table (Alembic reads it)."""

from bot.models.schedule import PostStatus, ScheduledPost
from bot.models.standup import (  # standups
    Standup,
    StandupAnswer,
    StandupAway,
    StandupParticipant,
    StandupThread,
)
from bot.models.workspace import ProcessedKey, SlackUser, TeamSetting

__all__ = ["PostStatus", "ProcessedKey", "ScheduledPost", "SlackUser", "TeamSetting"]

# standups
__all__ += ["Standup", "StandupAnswer", "StandupAway", "StandupParticipant", "StandupThread"]
