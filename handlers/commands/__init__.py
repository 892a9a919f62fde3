"""Slash commands, one module per command."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.commands import escalate, huddle, kpi, ops, standup

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime import Runtime


def register(app: App, runtime: Runtime) -> None:
    escalate.register(app, runtime)
    ops.register(app, runtime)
    standup.register(app, runtime)
    huddle.register(app, runtime)
    kpi.register(app, runtime)
