"""Slack listeners. Each kind is a package with `register(app, runtime)`; one file per feature.

A listener acks, parses, calls a service, renders and replies. Errors are not
caught here: they reach the one error handler in `handlers.errors`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers import actions, commands, errors, events, middleware, shortcuts, views

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime import Runtime


def register_all(app: App, runtime: Runtime) -> None:
    middleware.register(app, runtime)
    errors.register(app, runtime)
    commands.register(app, runtime)
    actions.register(app, runtime)
    views.register(app, runtime)
    events.register(app, runtime)
    shortcuts.register(app, runtime)
