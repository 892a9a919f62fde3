"""Slash commands, action ids and callback ids, shared by templates and handlers."""

from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    OPS = "/ops"
    ESCALATE = "/escalate"
    KPI = "/kpi"
    STANDUP = "/standup"
    HUDDLE = "/huddle"


class ActionId(StrEnum):
    # standups
    STANDUP_OPEN = "standup_open"
    STANDUP_ESCALATE_BLOCKER = "standup_escalate_blocker"
    STANDUP_ANSWER_INPUT = "standup_answer_input"


class CallbackId(StrEnum):
    # standups
    STANDUP_ANSWER = "standup_answer"
