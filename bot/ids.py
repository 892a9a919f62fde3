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
    pass


class CallbackId(StrEnum):
    pass
