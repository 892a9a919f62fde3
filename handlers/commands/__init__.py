"""Slash commands, one module per command."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.commands import kpi, ops

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime import Runtime


def register(app: App, runtime: Runtime) -> None:
    ops.register(app, runtime)
    kpi.register(app, runtime)
