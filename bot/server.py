"""`opsbot serve`: the Flask app on gunicorn (threaded workers), scheduler in each worker.

Each worker's scheduler claims its work in the database, so several workers (or
several machines) never do anything twice. SIGTERM lets in-flight requests
finish (gunicorn's graceful timeout) and stops the schedulers.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from bot.config import Settings


class OpsbotServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        self.runtime: Any = None
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        self.cfg.set("post_worker_init", _start_scheduler)
        self.cfg.set("worker_exit", _stop_scheduler)

    def load(self) -> Any:
        from bot.app import build_runtime
        from bot.web import create_web_app

        self.runtime = build_runtime(self.settings)
        return create_web_app(self.runtime)


def _start_scheduler(worker: Any) -> None:
    worker.app.runtime.start()


def _stop_scheduler(server: Any, worker: Any) -> None:
    del server
    if worker.app.runtime is not None:
        worker.app.runtime.close()


def serve(settings: Settings, *, host: str, port: int, workers: int, threads: int) -> None:
    OpsbotServer(
        settings,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "graceful_timeout": 30,
            "timeout": 60,
            "accesslog": None,
            "loglevel": settings.opsbot_log_level.lower(),
        },
    ).run()
