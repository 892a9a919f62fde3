"""Escalations, their timelines and the per-workspace number counter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, TeamScoped


class EscalationStatus:
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"  # opened by mistake or a duplicate: left out of stats and lists


class EventKind:
    OPENED = "opened"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    ASSIGNED = "assigned"
    ESCALATED = "escalated"
    REMINDED = "reminded"
    SEVERITY_CHANGED = "severity"
    RESOLVE_OVERDUE = "overdue"  # acknowledged, but not resolved within the resolve target
    CANCELLED = "cancelled"


class EscalationCounter(TeamScoped, Base):
    """The last `ESC-<n>` number handed out in a workspace; bumped atomically per escalation."""

    __tablename__ = "escalation_counters"
    __table_args__ = (UniqueConstraint("team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class Escalation(TeamScoped, Base):
    """One escalated issue. `level` and `next_deadline_at` are the SLA timer's state:
    the scheduler moves an open escalation up its chain when the deadline passes."""

    __tablename__ = "escalations"
    __table_args__ = (
        UniqueConstraint("team_id", "number"),
        Index("ix_escalations_status_next_deadline_at", "status", "next_deadline_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int]
    severity: Mapped[str] = mapped_column(String(8))
    summary: Mapped[str] = mapped_column(String(150))
    details: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    reporter_id: Mapped[str] = mapped_column(String(32))
    assignee_id: Mapped[str | None] = mapped_column(String(32), index=True)
    level: Mapped[int] = mapped_column(default=0)
    reminder_count: Mapped[int] = mapped_column(default=0)
    ack_due_at: Mapped[datetime]
    next_deadline_at: Mapped[datetime | None]
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    # The outbox row that posts the message, until Slack has given it a ts.
    message_delivery_id: Mapped[int | None]
    # When the owner was told it is past its resolve target (once per acknowledgement).
    resolve_nudged_at: Mapped[datetime | None]
    source_link: Mapped[str | None] = mapped_column(String(500))
    cause: Mapped[str | None] = mapped_column(String(32))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(index=True)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_by: Mapped[str | None] = mapped_column(String(32))

    events: Mapped[list[EscalationEvent]] = relationship(
        back_populates="escalation", order_by="EscalationEvent.id", lazy="raise"
    )

    @property
    def ref(self) -> str:
        return f"ESC-{self.number}"


class EscalationEvent(TeamScoped, Base):
    """One line of an escalation's timeline (also posted in its thread)."""

    __tablename__ = "escalation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(32))
    target_user_id: Mapped[str | None] = mapped_column(String(32))
    level: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)

    escalation: Mapped[Escalation] = relationship(back_populates="events", lazy="raise")
