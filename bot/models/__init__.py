"""All models, imported so that `Base.metadata` knows every table (Alembic reads it)."""

from bot.models.delivery import Delivery, DeliveryStatus, UnknownOutcome
from bot.models.escalation import (
    Escalation,
    EscalationCounter,
    EscalationEvent,
    EscalationStatus,
    EventKind,
)
from bot.models.home import HomeTab
from bot.models.huddle import HuddleConfig, HuddleManualPost
from bot.models.kpi import (
    ApiToken,
    Better,
    Kpi,
    KpiChange,
    KpiChangeKind,
    KpiChartPost,
    KpiDatapoint,
)
from bot.models.kpi_query import KpiQuery, KpiQueryRun
from bot.models.oncall import (
    OncallFeed,
    OncallHandover,
    OncallLayer,
    OncallNote,
    OncallOverride,
    OncallSchedule,
)
from bot.models.report import Cadence, ReportConfig, ReportFile, ReportRun
from bot.models.schedule import PostStatus, ScheduledPost
from bot.models.standup import (
    Standup,
    StandupAnswer,
    StandupAway,
    StandupParticipant,
    StandupThread,
)
from bot.models.workspace import ProcessedKey, SlackUser, TeamSetting

__all__ = [
    "ApiToken",
    "Better",
    "Cadence",
    "Delivery",
    "DeliveryStatus",
    "Escalation",
    "EscalationCounter",
    "EscalationEvent",
    "EscalationStatus",
    "EventKind",
    "HomeTab",
    "HuddleConfig",
    "HuddleManualPost",
    "Kpi",
    "KpiChange",
    "KpiChangeKind",
    "KpiChartPost",
    "KpiDatapoint",
    "KpiQuery",
    "KpiQueryRun",
    "OncallFeed",
    "OncallHandover",
    "OncallLayer",
    "OncallNote",
    "OncallOverride",
    "OncallSchedule",
    "PostStatus",
    "ProcessedKey",
    "ReportConfig",
    "ReportFile",
    "ReportRun",
    "ScheduledPost",
    "SlackUser",
    "Standup",
    "StandupAnswer",
    "StandupAway",
    "StandupParticipant",
    "StandupThread",
    "TeamSetting",
    "UnknownOutcome",
]
