"""Opening the App Home tab publishes the person's overview (at most once per refresh
interval; a tab opened again within it is brought up to date by the `app-home` job)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.messaging import home as home_messages
from bot.messaging.profiles import profile
from bot.services import home

if TYPE_CHECKING:
    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.runtime import Runtime


def register(app: App, runtime: Runtime) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        team_id = str(body.get("team_id") or "")
        user_id = str(event["user"])
        now = runtime.clock.now()
        with runtime.db.session() as session:
            # The Home tab shows times in the person's zone: cache their profile now.
            profile(runtime, session, client, team_id=team_id, user_id=user_id)
            if home.open_tab(session, team_id=team_id, user_id=user_id, now=now):
                home_messages.publish(session, team_id=team_id, user_id=user_id, now=now)
