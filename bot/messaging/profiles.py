"""Who may do what, and what Opsbot knows of a user (cached from users.info)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import PermissionDeniedError
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
) -> workspace.Profile:
    """The cached profile, refreshed from users.info when older than a day (and read from
    the database at most once a minute per process)."""
    now = runtime.clock.now()
    recent = runtime.recent_profiles.get(team_id=team_id, user_id=user_id, now=now)
    if recent is not None:
        return recent
    cached = workspace.get_profile(session, team_id=team_id, user_id=user_id)
    if workspace.is_fresh(cached, now=now):
        assert cached is not None
        known = workspace.Profile.of(cached)
        runtime.recent_profiles.remember(known, now=now)
        return known
    user = client.users_info(user=user_id)["user"]
    saved = workspace.Profile.of(
        workspace.save_profile(
            session,
            team_id=team_id,
            user_id=user_id,
            name=user.get("real_name") or user.get("name") or user_id,
            tz=user.get("tz"),
            is_admin=bool(user.get("is_admin") or user.get("is_owner")),
            now=now,
        )
    )
    runtime.recent_profiles.remember(saved, now=now)
    return saved


def user_zone(
    runtime: Runtime, session: Session, client: WebClient, *, team_id: str, user_id: str
) -> ZoneInfo:
    """The person's Slack timezone (cached profile), else OPSBOT_TIMEZONE."""
    tz = profile(runtime, session, client, team_id=team_id, user_id=user_id).tz
    try:
        return ZoneInfo(tz) if tz else runtime.settings.timezone
    except (ZoneInfoNotFoundError, ValueError):
        return runtime.settings.timezone


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


def admins_to_page(runtime: Runtime, session: Session, *, team_id: str) -> list[str]:
    """Who is paged when no on-call chain is set: OPSBOT_ADMINS, then the workspace admins
    and owners Opsbot has seen."""
    return list(
        dict.fromkeys(
            [*sorted(runtime.settings.admin_ids), *workspace.known_admins(session, team_id=team_id)]
        )
    )
