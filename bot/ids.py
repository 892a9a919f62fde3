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
    # kpis
    KPI_REMOVE_CONFIRM = "kpi_remove_confirm"
    KPI_REMOVE_CANCEL = "kpi_remove_cancel"


class CallbackId(StrEnum):
    # kpis
    KPI_ADD = "kpi_add"
