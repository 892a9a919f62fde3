"""The `opsbot` command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.clock import Clock, OffsetClock, SystemClock
from bot.config import Settings, SettingsError, database_label, load_settings

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

DATABASE_HELP = (
    "database URL (sqlite:///…, postgresql://…) or SQLite file (default: DATABASE_URL, "
    "else opsbot.db; admin commands take the console's console.db instead when opsbot.db "
    "holds no workspace)"
)
TEAM_HELP = "Slack workspace (team) id, such as T0DEMO (default: the only one in the database)"
CONSOLE_DATABASE = "console.db"
DEFAULT_DATABASE = "opsbot.db"
# Commands that run Opsbot itself keep DATABASE_URL or opsbot.db; only the admin commands
# fall back to the console's demo database.
SERVING_COMMANDS = frozenset({"serve", "run", "migrate", "console"})
# Commands that never open Opsbot's database.
NO_DATABASE_COMMANDS = frozenset({"source"})

Handler = Callable[[argparse.Namespace, Settings], int]


class CommandError(Exception):
    """The command cannot go on; the message is one sentence, `status` the exit status."""

    def __init__(self, message: str, *, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Alembic announces every migration it checks at INFO: noise on every CLI call.
    logging.getLogger("alembic").setLevel(level if level == "DEBUG" else logging.WARNING)


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

    _check_slack(settings)
    upgrade(settings.database_url)
    serve(settings, host=args.host, port=args.port, workers=args.workers, threads=args.threads)
    return 0


def _check_slack(settings: Settings) -> None:
    from bot.preflight import SlackCheckFailed, check_slack

    try:
        check_slack(settings)
    except SlackCheckFailed as exc:
        raise CommandError(str(exc)) from None


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if (
        not settings.slack_bot_token
        and not settings.slack_signing_secret
        and not settings.slack_app_token
    ):
        print(NO_CREDENTIALS_DEMO, flush=True)
        return _console(settings, demo=True, database_url=None, resume=True)
    if settings.slack_app_token:
        _require(settings, "SLACK_BOT_TOKEN")
        return _run_socket_mode(settings)
    return cmd_serve(args, settings)


def _run_socket_mode(settings: Settings) -> int:
    import signal

    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import build_runtime
    from bot.migrate import upgrade

    _check_slack(settings)
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
    database_url = _database_option(args.database).database_url if args.database else None
    return _console(settings, demo=args.demo, database_url=database_url, resume=False)


def _console(settings: Settings, *, demo: bool, database_url: str | None, resume: bool) -> int:
    from bot.console.repl import run_console

    return run_console(settings, demo=demo, database_url=database_url, resume=resume)


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
                now=args.clock.now(),
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


# --- oncall ---
def cmd_oncall_feed(args: argparse.Namespace, settings: Settings) -> int:
    """Print a new secret calendar URL of a schedule (or of one person's shifts), or revoke
    the schedule's feeds."""
    from bot.db import Database
    from bot.errors import OpsbotError
    from bot.migrate import upgrade
    from bot.parsing import parse_user_ref
    from bot.services import oncall, oncall_feed

    user_id = None
    if args.user:
        user_id = parse_user_ref(args.user) or args.user.strip().upper()
        if not user_id.startswith(("U", "W")):
            raise CommandError(f"--user takes a Slack user id such as U012AB3CD, not {args.user}.")
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    now = args.clock.now()
    try:
        with db.session() as session:
            schedule = oncall.find_schedule(session, team_id=args.team, name=args.schedule)
            if args.revoke:
                count = oncall_feed.revoke_feeds(
                    session, schedule=schedule, user_id=user_id, now=now
                )
                whose = f" of {user_id}" if user_id else ""
                print(
                    f"Revoked {count} calendar feed{'s' if count != 1 else ''}{whose} "
                    f"of {schedule.name}; their URLs now answer 404."
                )
                return 0
            token = oncall_feed.create_feed(session, schedule=schedule, user_id=user_id, now=now)
            name = schedule.name
    except OpsbotError as exc:
        raise CommandError(exc.message) from None
    finally:
        db.dispose()
    whose = f"{user_id}'s shifts in {name}" if user_id else f"every shift of {name}"
    print(f"{settings.opsbot_public_url.rstrip('/')}/oncall/{token}.ics")
    print(
        f"A calendar feed of {whose}. Subscribe to it from Google Calendar or Outlook "
        '("From URL"). Keep it secret: anyone with it sees the shifts. It is shown only '
        f"now; `opsbot oncall feed {name} --revoke` turns every feed of {name} off.",
        file=sys.stderr,
    )
    return 0


def _add_oncall_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    oncall = commands.add_parser("oncall", help="on-call schedules: calendar feeds")
    actions = oncall.add_subparsers(dest="oncall_command", required=True, metavar="ACTION")
    feed = actions.add_parser(
        "feed",
        help="print a secret iCalendar URL of a schedule's shifts (or --revoke its feeds)",
    )
    feed.add_argument("schedule", help="the schedule's name, such as night-leads")
    feed.add_argument("--team", required=True, help=TEAM_HELP)
    feed.add_argument("--user", metavar="U…", help="only this person's shifts")
    feed.add_argument(
        "--revoke", action="store_true", help="revoke the schedule's feeds (with --user: theirs)"
    )
    feed.set_defaults(handler=cmd_oncall_feed)


# --- end oncall ---


# --- deliveries ---
def cmd_deliveries(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import Database
    from bot.errors import OpsbotError
    from bot.migrate import upgrade
    from bot.services import outbox

    upgrade(settings.database_url)
    db = Database(settings.database_url)
    now = args.clock.now()
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
        "--demo",
        action="store_true",
        help="start afresh: a new console.db seeded with the demo operation (without "
        "--demo, the console resumes console.db, clock included, where it was left)",
    )
    console.add_argument(
        "--database",
        metavar="URL|PATH",
        default=argparse.SUPPRESS,
        help="database URL or SQLite file (default: console.db in this directory)",
    )
    console.set_defaults(handler=cmd_console)
    _add_huddle_commands(commands)
    _add_delivery_commands(commands)
    _add_oncall_commands(commands)
    # kpis
    from bot.cli_kpi import add_kpi_commands

    add_kpi_commands(commands)
    _share_options(parser)
    return parser


def _share_options(parser: argparse.ArgumentParser) -> None:
    """Give `--database` to `opsbot` and to every subcommand (before or after the command
    name), and make every subcommand's `--team` optional: `main` defaults it to the only
    workspace in the database and refuses a workspace that is not there."""
    for sub in _subcommand_parsers(parser):
        if "--database" not in sub._option_string_actions:
            sub.add_argument(
                "--database", metavar="URL|PATH", default=argparse.SUPPRESS, help=DATABASE_HELP
            )
        team = sub._option_string_actions.get("--team")
        if team is not None:
            team.required = False
            team.help = TEAM_HELP
    parser.add_argument("--database", metavar="URL|PATH", help=DATABASE_HELP)


def _subcommand_parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield sub
                yield from _subcommand_parsers(sub)


def _database_option(value: str) -> Settings:
    """The settings with the database given as --database: a URL, or a SQLite file path."""
    url = value if "://" in value else f"sqlite:///{Path(value).expanduser()}"
    try:
        return load_settings(database_url=url)
    except SettingsError as exc:
        raise SettingsError(str(exc).replace("DATABASE_URL", "--database", 1)) from None


def _choose_database(args: argparse.Namespace, settings: Settings) -> Settings:
    """The settings with the database this command should use: --database when given;
    for admin commands with no DATABASE_URL and no workspace in opsbot.db (or no
    opsbot.db), the console's console.db when it exists (said on stderr, as the user may
    not expect it)."""
    if args.command == "console":
        return settings
    if args.database:
        return _database_option(args.database)
    if (
        args.command in SERVING_COMMANDS
        or "database_url" in settings.model_fields_set
        or not Path(CONSOLE_DATABASE).exists()
        or (Path(DEFAULT_DATABASE).exists() and _workspaces(settings.database_url))
    ):
        return settings
    print(
        f"Using the console's demo database {CONSOLE_DATABASE}, as DATABASE_URL is not set "
        f"and {DEFAULT_DATABASE} holds no workspace (--database chooses another).",
        file=sys.stderr,
    )
    return _database_option(CONSOLE_DATABASE)


def _require_database(args: argparse.Namespace, settings: Settings) -> None:
    """Refuse a SQLite file that does not exist: an admin command on a mistyped path would
    otherwise create (and migrate) a database there."""
    url = make_url(settings.database_url)
    path = url.database
    if url.get_backend_name() != "sqlite" or not path or path == ":memory:":
        return
    if Path(path).exists():
        return
    migrate = f"opsbot migrate --database {args.database}" if args.database else "opsbot migrate"
    raise CommandError(f"There is no database at {path}; `{migrate}` creates one.")


def _choose_clock(settings: Settings) -> Clock:
    """The system clock; on a database a console keeps its clock in, a clock that starts at
    the console's time (said on stderr), so that what the command records or checks as
    "now" is the demo's now."""
    from zoneinfo import ZoneInfo

    from bot.console.state import saved_state
    from bot.demo.seed import DEMO_TIMEZONE

    state = saved_state(settings.database_url)
    if state.clock is None:
        return SystemClock()
    zone = ZoneInfo(DEMO_TIMEZONE if state.demo_seeded else settings.opsbot_timezone)
    local = state.clock.astimezone(zone)
    whose = "the demo's" if state.demo_seeded else "the console's"
    print(f"Using {whose} clock: {local:%a} {local.day} {local:%b %Y %H:%M %Z}.", file=sys.stderr)
    return OffsetClock(state.clock)


def _workspaces(database_url: str) -> list[str]:
    """The workspaces with data in the database (migrating it first)."""
    from bot.db import Database
    from bot.migrate import upgrade
    from bot.services.workspace import workspace_ids

    upgrade(database_url)
    db = Database(database_url)
    try:
        with db.session() as session:
            return workspace_ids(session)
    finally:
        db.dispose()


def _choose_team(args: argparse.Namespace, settings: Settings) -> None:
    """Check --team against the workspaces in the database, or default it to the only one."""
    known = _workspaces(settings.database_url)
    where = database_label(settings.database_url)
    if args.team is not None:
        wanted = args.team.strip().upper()
        if wanted in known or not known:
            args.team = wanted
            return
        raise CommandError(
            f"There is no workspace {args.team} in {where}; workspaces here: {', '.join(known)}."
        )
    if len(known) == 1:
        args.team = known[0]
        print(f"Using workspace {args.team}, the only one in {where}.", file=sys.stderr)
        return
    if not known:
        raise CommandError(f"Give --team T…: {where} holds no workspace yet.", status=2)
    raise CommandError(
        f"Give --team: {where} holds several workspaces: {', '.join(known)}.", status=2
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        _configure_logging(settings.opsbot_log_level)
        settings = _choose_database(args, settings)
        args.clock = SystemClock()
        if args.command not in SERVING_COMMANDS | NO_DATABASE_COMMANDS:
            _require_database(args, settings)
            if "team" in vars(args):
                _choose_team(args, settings)
            args.clock = _choose_clock(settings)
        return args.handler(args, settings)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    except CommandError as exc:
        print(exc, file=sys.stderr)
        return exc.status
    except OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        if args.command == "console":
            url = _database_option(args.database or CONSOLE_DATABASE).database_url
        else:
            url = settings.database_url
        setting = "--database" if args.database else "DATABASE_URL"
        print(
            f"Cannot use the database {database_label(url)} ({reason}): check {setting}.",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
