"""The `opsbot` command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from bot.config import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from bot.db import Database

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

    from bot.app import build_runtime
    from bot.migrate import upgrade

    upgrade(settings.database_url)
    runtime = build_runtime(settings)
    handler = SocketModeHandler(runtime.app, settings.slack_app_token)

    def stop(_signum: int, _frame: object) -> None:
        log.info("stopping: finishing in-flight work")
        handler.close()
        runtime.close()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    runtime.start()
    log.info("connected to Slack in Socket Mode")
    handler.start()
    return 0


def cmd_console(args: argparse.Namespace, settings: Settings) -> int:
    return _console(settings, demo=args.demo, database_url=args.database)


def _console(settings: Settings, *, demo: bool, database_url: str | None) -> int:
    from bot.console.repl import run_console

    return run_console(settings, demo=demo, database_url=database_url)


def deliver_queued(settings: Settings, db: Database, *, timeout: float = 60.0) -> bool:
    """Send what this command queued (and anything else due) before it exits; False if some
    of it is still waiting (a running Opsbot, or the next command, sends it)."""
    from bot.app import build_delivery
    from bot.clock import SystemClock

    worker = build_delivery(settings, db=db, clock=SystemClock())
    try:
        return worker.drain(timeout=timeout)
    finally:
        worker.close()


# --- huddle ---
def cmd_huddle_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.clock import SystemClock
    from bot.db import Database
    from bot.messaging import huddle as huddle_messages
    from bot.migrate import upgrade
    from bot.services import outbox

    _require(settings, "SLACK_BOT_TOKEN")
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        with db.session() as session:
            queued = huddle_messages.post(
                session,
                team_id=args.team,
                channel_id=args.channel,
                now=SystemClock().now(),
                default_tz=settings.opsbot_timezone,
            )
        deliver_queued(settings, db)
        with db.session() as session:
            row = outbox.result_of(session, delivery_id=queued.id)
            assert row is not None
            status, ts, error = row.status, row.result_ts, row.error
    finally:
        db.dispose()
    if status == "sent":
        print(f"Posted the huddle in {args.channel} (message {ts}).")
        return 0
    if status == "failed":
        print(f"Slack refused the huddle post: {error}.", file=sys.stderr)
        return 1
    print(
        f"The huddle for {args.channel} is queued but Slack has not taken it yet "
        f"(last error: {error or 'none'}); a running Opsbot keeps trying. "
        "`opsbot deliveries` shows it.",
        file=sys.stderr,
    )
    return 1


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


# --- deliveries ---
def cmd_deliveries(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import UTC, datetime

    from bot.db import Database
    from bot.errors import OpsbotError
    from bot.migrate import upgrade
    from bot.services import outbox

    upgrade(settings.database_url)
    db = Database(settings.database_url)
    now = datetime.now(UTC)
    try:
        if args.retry is not None:
            try:
                with db.session() as session:
                    queued = outbox.retry(session, team_id=None, delivery_id=args.retry, now=now)
            except OpsbotError as exc:
                print(exc.message, file=sys.stderr)
                return 1
            others = f" with {queued - 1} more of the same conversation" if queued > 1 else ""
            print(f"Delivery {args.retry} is queued again{others}.")
            if settings.slack_bot_token:
                deliver_queued(settings, db)
            return 0
        with db.session() as session:
            status = outbox.status(session, team_id=None, limit=1000 if args.failed else 20)
    finally:
        db.dispose()
    if not args.failed:
        oldest = (
            f", the oldest since {status.oldest_waiting_since:%Y-%m-%d %H:%M} UTC"
            if status.oldest_waiting_since
            else ""
        )
        print(f"Waiting: {status.waiting}{oldest} ({status.retrying} being retried).")
        print(f"Failed: {status.failed_total}.")
    for failed in status.failed:
        where = f" to {failed.channel_id}" if failed.channel_id else ""
        print(
            f"{failed.id}\t{failed.failed_at:%Y-%m-%d %H:%M} UTC\t{failed.description}{where}"
            f"\t{failed.error}\t{failed.reason}"
        )
    return 0


def _add_delivery_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    deliveries = commands.add_parser(
        "deliveries", help="what is waiting to be sent to Slack, and what failed"
    )
    deliveries.add_argument("--failed", action="store_true", help="list every failed delivery")
    deliveries.add_argument("--retry", type=int, metavar="ID", help="send a failed delivery again")
    deliveries.set_defaults(handler=cmd_deliveries)


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
    _add_delivery_commands(commands)
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
