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

NO_CREDENTIALS_DEMO = (
    "No Slack credentials found, so Opsbot starts its local demo workspace "
    "(see 'Create the Slack app' in the README to connect it to Slack)."
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
    _require(settings, "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    # Imported after the check: importing Alembic logs, which would bury the one-line reason.
    from bot.migrate import upgrade
    from bot.server import serve

    upgrade(settings.database_url)
    serve(settings, host=args.host, port=args.port, workers=args.workers, threads=args.threads)
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if (
        not settings.slack_bot_token
        and not settings.slack_signing_secret
        and not settings.slack_app_token
    ):
        print(NO_CREDENTIALS_DEMO, flush=True)
        return _console(settings, demo=True, database_url=None)
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


def cmd_console(args: argparse.Namespace, settings: Settings) -> int:
    return _console(settings, demo=args.demo, database_url=args.database)


def _console(settings: Settings, *, demo: bool, database_url: str | None) -> int:
    from bot.console.repl import run_console

    return run_console(settings, demo=demo, database_url=database_url)


# --- huddle ---
def cmd_huddle_run(args: argparse.Namespace, settings: Settings) -> int:
    from slack_sdk.errors import SlackApiError

    from bot.clock import SystemClock
    from bot.db import Database
    from bot.huddle_post import post_huddle
    from bot.migrate import upgrade
    from bot.runtime import make_client

    _require(settings, "SLACK_BOT_TOKEN")
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        ts = post_huddle(
            db,
            make_client(settings),
            team_id=args.team,
            channel_id=args.channel,
            now=SystemClock().now(),
            default_tz=settings.opsbot_timezone,
        )
    except SlackApiError as exc:
        print(f"Slack refused the huddle post: {exc.response.get('error')}.", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(f"Posted the huddle in {args.channel} (message {ts}).")
    return 0


def _add_huddle_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    huddle = commands.add_parser("huddle", help="the daily huddle")
    actions = huddle.add_subparsers(dest="huddle_command", required=True, metavar="ACTION")
    run = actions.add_parser(
        "run",
        help="post the huddle in a channel now (does not count as the day's scheduled post)",
    )
    run.add_argument("--team", required=True, help="Slack workspace id, T…")
    run.add_argument("--channel", required=True, help="Slack channel id, C…")
    run.set_defaults(handler=cmd_huddle_run)


# --- end huddle ---


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

    console = commands.add_parser(
        "console", help="try Opsbot in the terminal against a local stand-in for Slack"
    )
    console.add_argument(
        "--demo", action="store_true", help="a fresh database seeded with a demo operation"
    )
    console.add_argument(
        "--database", metavar="URL", help="database URL (default: console.db in this directory)"
    )
    console.set_defaults(handler=cmd_console)
    _add_huddle_commands(commands)
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
