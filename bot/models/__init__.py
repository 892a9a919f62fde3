"""All models, imported so that `Base.metadata` knows every table (Alembic reads it)."""

from bot.models.escalation import (
    Escalation,
    EscalationCounter,
    EscalationEvent,
    EscalationStatus,
    EventKind,
)
from bot.models.schedule import PostStatus, ScheduledPost
from bot.models.workspace import ProcessedKey, SlackUser, TeamSetting

__all__ = ["PostStatus", "ProcessedKey", "ScheduledPost", "SlackUser", "TeamSetting"]
# escalations
__all__ += ["Escalation", "EscalationCounter", "EscalationEvent", "EscalationStatus", "EventKind"]
