"""The HTTP API for other systems (KPI ingest). Each feature adds its routes here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.api import kpis

if TYPE_CHECKING:
    from flask import Flask

    from bot.runtime import Runtime


def register(web: Flask, runtime: Runtime) -> None:
    kpis.register(web, runtime)
