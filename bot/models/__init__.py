"""All models, imported so that `Base.metadata` knows every table (Alembic reads it)."""

from bot.models.huddle import HuddleConfig
from bot.models.schedule import PostStatus, ScheduledPost
from bot.models.workspace import ProcessedKey, SlackUser, TeamSetting

__all__ = [
    "HuddleConfig",
    "PostStatus",
    "ProcessedKey",
    "ScheduledPost",
    "SlackUser",
    "TeamSetting",
]
