"""Events listeners, one module per feature."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.events import app_home, escalations

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime import Runtime


def register(app: App, runtime: Runtime) -> None:
    escalations.register(app, runtime)
    app_home.register(app, runtime)
