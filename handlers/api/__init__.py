"""The HTTP API for other systems (KPI ingest, on-call calendar feeds). Each feature adds its
routes here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.api import kpis, oncall_feed

if TYPE_CHECKING:
    from flask import Flask

    from bot.runtime import Runtime


def register(web: Flask, runtime: Runtime) -> None:
    kpis.register(web, runtime)
    oncall_feed.register(web, runtime)
