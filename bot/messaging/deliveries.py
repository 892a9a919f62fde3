"""What admins are told about deliveries: `/ops status`, and a DM to the admin who set up a
channel that Opsbot cannot post in."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.durations import format_duration
from bot.ids import ActionId
from bot.messaging.escalations import dm
from bot.services import outbox, workspace

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.services.outbox import Claimed


def render_status(
    status: outbox.OutboxStatus, *, now: datetime, last_tick_at: datetime | None
) -> dict[str, Any]:
    """`/ops status`: what is waiting, what failed (with Retry) and the scheduler."""
    waiting_for = (
        format_duration(now - status.oldest_waiting_since) if status.oldest_waiting_since else None
    )
    if last_tick_at is None:
        scheduler = "not running in this process"
    else:
        scheduler = f"last ran {format_duration(now - last_tick_at)} ago in this process"
    return render(
        "messages/ops_status",
        s=status,
        waiting_for=waiting_for,
        scheduler=scheduler,
        retry_action=ActionId.DELIVERY_RETRY,
    )


def tell_admin_once(session: Session, item: Claimed, error: str) -> None:
    """Delivery failure hook: a channel Opsbot cannot post in is reported to the admin who
    set it up, once per channel and error."""
    if error not in outbox.CHANNEL_ERRORS or not item.notify_user_id or not item.channel_id:
        return
    now = item.claimed_at
    if not workspace.claim_key(
        session, team_id=item.team_id, key=f"refused:{item.channel_id}:{error}", now=now
    ):
        return
    dm(
        session,
        team_id=item.team_id,
        user_id=item.notify_user_id,
        message=render(
            "messages/delivery_refused",
            channel_id=item.channel_id,
            error=error,
            reason=outbox.reason_for(error),
            description=item.description,
        ),
        now=now,
        description=f"notice that {item.channel_id} refused a post",
    )
