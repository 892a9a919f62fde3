"""Slash commands, action ids and callback ids, shared by templates and handlers."""

from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    OPS = "/ops"
    ESCALATE = "/escalate"
    ONCALL = "/oncall"
    KPI = "/kpi"
    STANDUP = "/standup"
    HUDDLE = "/huddle"
    REPORT = "/report"


class ActionId(StrEnum):
    # escalations
    ESCALATION_ACK = "escalation_ack"
    ESCALATION_RESOLVE = "escalation_resolve"
    ESCALATION_REASSIGN = "escalation_reassign"
    ESCALATION_REOPEN = "escalation_reopen"
    ESCALATE_THIS = "escalate_this"
    ESCALATION_OPEN_AS = "escalation_open_as"
    ESCALATION_OPEN_ANYWAY = "escalation_open_anyway"
    ESCALATION_SEVERITY = "escalation_severity"
    ESCALATION_CANCEL = "escalation_cancel"
    # standups
    STANDUP_OPEN = "standup_open"
    STANDUP_ESCALATE_BLOCKER = "standup_escalate_blocker"
    STANDUP_ANSWER_INPUT = "standup_answer_input"
    STANDUP_NOTHING_BLOCKING = "standup_nothing_blocking"
    # kpis
    KPI_REMOVE_CONFIRM = "kpi_remove_confirm"
    KPI_REMOVE_CANCEL = "kpi_remove_cancel"
    KPI_SHARE = "kpi_share"
    KPI_VALUE_DELETE = "kpi_value_delete"
    KPI_RECORD_ANYWAY = "kpi_record_anyway"
    # on call
    ONCALL_OVERRIDE_REMOVE = "oncall_override_remove"
    ONCALL_DELETE_CONFIRM = "oncall_delete_confirm"
    ONCALL_DELETE_CANCEL = "oncall_delete_cancel"
    ONCALL_SHOW_SHARE = "oncall_show_share"
    ONCALL_HANDOVER_ACK = "oncall_handover_ack"
    # deliveries
    DELIVERY_RETRY = "delivery_retry"


class CallbackId(StrEnum):
    # escalations
    ESCALATE_MESSAGE = "escalate_message"
    ESCALATION_OPEN = "escalation_open"
    ESCALATION_RESOLVE = "escalation_resolve"
    # standups
    STANDUP_ANSWER = "standup_answer"
    # kpis
    KPI_ADD = "kpi_add"
    KPI_QUERY = "kpi_query"
    # on call
    ONCALL_HANDOVER_NOTE = "oncall_handover_note"
