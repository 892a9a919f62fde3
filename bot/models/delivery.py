"""The delivery outbox: every Web API side effect Opsbot has to make, stored in the same
transaction as the change that causes it, and sent by the delivery worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, TeamScoped


class DeliveryStatus:
    PENDING = "pending"  # waiting for its turn (or for its next try after a failure)
    SENDING = "sending"  # claimed by one worker; the outcome is not recorded yet
    SENT = "sent"
    FAILED = "failed"  # a permanent error, or Slack kept failing past the give-up time


class UnknownOutcome:
    """What to do with a send whose outcome was lost (the process died mid-send) and could
    not be found in Slack: send it again (a duplicate page beats a lost one) or mark it
    failed (a duplicate huddle is worse than a missing one an admin can retry)."""

    RESEND = "resend"
    FAIL = "fail"


class Delivery(TeamScoped, Base):
    """One Web API call to make. `key` orders deliveries: within one key they are sent one
    at a time in id order; different keys go in parallel."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_deliveries_key_id", "key", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(48))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    give_up_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(96))
    sent_at: Mapped[datetime | None]
    result_ts: Mapped[str | None] = mapped_column(String(32))
    result_channel: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(String(64))
    error_detail: Mapped[str | None] = mapped_column(Text)
    recorder: Mapped[str | None] = mapped_column(String(48))
    recorder_arg: Mapped[str | None] = mapped_column(Text)
    notify_user_id: Mapped[str | None] = mapped_column(String(32))
    on_unknown: Mapped[str] = mapped_column(String(8), default=UnknownOutcome.RESEND)
    description: Mapped[str] = mapped_column(String(200), default="")
