"""The `opsbot` command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from bot.config import Settings, SettingsError, load_settings

log = logging.getLogger("opsbot")

NO_CREDENTIALS = (
    "Opsbot has no Slack credentials: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
    "(HTTP mode) or SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode) in the environment "
    "or in .env, as described in the README's 'Create the Slack app' section."
)

Handler = Callable[[argparse.Namespace, Settings], int]


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from bot.migrate import upgrade

    upgrade(settings.database_url)
    print("Database is up to date.")
    return 0


def _require(settings: Settings, *names: str) -> None:
    for name in names:
        if not getattr(settings, name.lower()):
            raise SettingsError(f"{name} is not set; {NO_CREDENTIALS}")


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.migrate import upgrade
    from bot.server import serve

    _require(settings, "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    upgrade(settings.database_url)
    serve(settings, host=args.host, port=args.port, workers=args.workers, threads=args.threads)
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if (
        not settings.slack_bot_token
        and not settings.slack_signing_secret
        and not settings.slack_app_token
    ):
        print(NO_CREDENTIALS, file=sys.stderr)
        return 2
    if settings.slack_app_token:
        _require(settings, "SLACK_BOT_TOKEN")
        return _run_socket_mode(settings)
    return cmd_serve(args, settings)


def _run_socket_mode(settings: Settings) -> int:
    import signal

    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.migrate import upgrade
    from bot.runtime import build_runtime

    upgrade(settings.database_url)
    runtime = build_runtime(settings)
    handler = SocketModeHandler(runtime.app, settings.slack_app_token)

    def stop(_signum: int, _frame: object) -> None:
        log.info("stopping: finishing in-flight work")
        handler.close()
        runtime.close()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    runtime.scheduler.start()
    log.info("connected to Slack in Socket Mode")
    handler.start()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="opsbot", description="Opsbot, the operations assistant for Slack."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("migrate", help="apply database migrations").set_defaults(
        handler=cmd_migrate
    )

    for name, handler, helptext in (
        ("serve", cmd_serve, "serve Slack's HTTP requests on a production server"),
        ("run", cmd_run, "connect to Slack: Socket Mode with SLACK_APP_TOKEN, otherwise HTTP"),
    ):
        sub = commands.add_parser(name, help=helptext)
        sub.add_argument("--host", default="127.0.0.1")
        sub.add_argument("--port", type=int, default=3000)
        sub.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
        sub.add_argument("--threads", type=int, default=8, help="threads per worker (default 8)")
        sub.set_defaults(handler=handler)

    # kpis
    from bot.cli_kpi import add_kpi_commands

    add_kpi_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        _configure_logging(settings.opsbot_log_level)
        return args.handler(args, settings)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
