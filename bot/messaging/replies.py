"""Private answers sent later through a slash command's response_url (a chart or timeline
that took a moment): one ordering key per person, and nothing sent once Slack no longer
accepts the URL."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.services import outbox

log = logging.getLogger(__name__)

RESPONSE_URL_LIFETIME = timedelta(minutes=30)


def reply_key(team_id: str, user_id: str) -> str:
    """The caller's private replies: an upload and the reply that shows it go in order."""
    return f"reply:{team_id}:{user_id}"


def respond_privately(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    response_url: str,
    message: dict[str, Any],
    replace_original: bool,
    issued_at: datetime,
    now: datetime,
    description: str,
) -> None:
    """Queue a private answer through the response_url Slack issued at `issued_at`, while it
    is valid (an upload or post that took longer has nobody waiting for it)."""
    if now - issued_at >= RESPONSE_URL_LIFETIME:
        log.info("the response_url for the %s expired; not sent", description)
        return
    outbox.enqueue(
        session,
        team_id=team_id,
        key=reply_key(team_id, user_id),
        method="response_url",
        payload={
            "response_url": response_url,
            "response_type": "ephemeral",
            "replace_original": replace_original,
            **message,
        },
        now=now,
        description=description,
    )
