"""Who may do what, and what Opsbot knows of a user (cached from users.info)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.errors import PermissionDeniedError
from bot.models import SlackUser
from bot.services import workspace

if TYPE_CHECKING:
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session

    from bot.runtime import Runtime

ADMINS_ONLY = (
    "Only workspace admins and owners, and the people listed in OPSBOT_ADMINS, can {action}. "
    "Ask one of them to do it for you."
)


def profile(
    runtime: Runtime, session: Session, client: WebClient, *, team_id: str, user_id: str
) -> SlackUser:
    """The cached profile, refreshed from users.info when older than a day."""
    now = runtime.clock.now()
    cached = workspace.get_profile(session, team_id=team_id, user_id=user_id)
    if workspace.is_fresh(cached, now=now):
        assert cached is not None
        return cached
    user = client.users_info(user=user_id)["user"]
    return workspace.save_profile(
        session,
        team_id=team_id,
        user_id=user_id,
        name=user.get("real_name") or user.get("name") or user_id,
        tz=user.get("tz"),
        is_admin=bool(user.get("is_admin") or user.get("is_owner")),
        now=now,
    )


def is_admin(
    runtime: Runtime, session: Session, client: WebClient, *, team_id: str, user_id: str
) -> bool:
    if user_id in runtime.settings.admin_ids:
        return True
    return profile(runtime, session, client, team_id=team_id, user_id=user_id).is_admin


def require_admin(
    runtime: Runtime,
    session: Session,
    client: WebClient,
    *,
    team_id: str,
    user_id: str,
    action: str,
) -> None:
    """Raise a friendly PermissionDeniedError naming who can do `action`."""
    if not is_admin(runtime, session, client, team_id=team_id, user_id=user_id):
        raise PermissionDeniedError(ADMINS_ONLY.format(action=action))
