"""Actions listeners, one module per feature."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.actions import deliveries, escalations, kpi, oncall, standup

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime import Runtime


def register(app: App, runtime: Runtime) -> None:
    escalations.register(app, runtime)
    standup.register(app, runtime)
    kpi.register(app, runtime)
    oncall.register(app, runtime)
    deliveries.register(app, runtime)
