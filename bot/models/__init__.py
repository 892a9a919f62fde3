"""All models, imported so that `Base.metadata` knows every table (Alembic reads it)."""

from bot.models.kpi import ApiToken, Better, Kpi, KpiDatapoint
from bot.models.schedule import PostStatus, ScheduledPost
from bot.models.workspace import ProcessedKey, SlackUser, TeamSetting

__all__ = [
    "ApiToken",
    "Better",
    "Kpi",
    "KpiDatapoint",
    "PostStatus",
    "ProcessedKey",
    "ScheduledPost",
    "SlackUser",
    "TeamSetting",
]
