"""`opsbot kpi import|export|query`, `opsbot source list|test` and
`opsbot token create|list|revoke`."""

from __future__ import annotations

import argparse
import csv
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.db import Database
from bot.errors import OpsbotError
from bot.formats import plain_number
from bot.services import kpi_ingest, kpis

TEAM_HELP = "Slack workspace (team) id, such as T012AB3CD"


def _database(settings: Settings) -> Database:
    from bot.migrate import upgrade

    upgrade(settings.database_url)
    return Database(settings.database_url)


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


def cmd_kpi_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.messaging.kpis import post_alerts

    db = _database(settings)
    try:
        with open(args.file, newline="", encoding="utf-8-sig") as handle, db.session() as session:
            reader = csv.DictReader(handle, restkey=kpi_ingest.EXTRA_FIELDS)
            kpi_ingest.check_header(reader.fieldnames)
            rows = ({k.strip().lower(): v for k, v in row.items()} for row in reader)
            now = args.clock.now()
            result = kpi_ingest.import_rows(
                session, team_id=args.team, rows=rows, now=now, replace=args.replace
            )
            queued = post_alerts(session, result.alerts, now=now)
    except OSError as exc:
        return _fail(f"Cannot read {args.file}: {exc.strerror}.")
    except OpsbotError as exc:
        return _fail(f"{args.file}: {exc.message}")
    print(import_summary(result, file=args.file))
    if queued and settings.slack_bot_token:
        from bot.cli import deliver_queued

        sent = deliver_queued(settings, db)
        print(f"Posted {queued} KPI alerts." if sent else f"Queued {queued} KPI alerts.")
    elif queued:
        print(f"Queued {queued} KPI alerts; a running Opsbot posts them.")
    db.dispose()
    return 0


def import_summary(result: kpi_ingest.ImportResult, *, file: str) -> str:
    """`Imported 3 values into 1 KPI from f.csv; 2 already stored with the same value;
    1 already stored with a different value: use --replace to overwrite them.`"""
    values = "value" if result.count == 1 else "values"
    kpis_word = "KPI" if len(result.recorded) == 1 else "KPIs"
    parts = [
        f"Imported {result.count} {values} into {len(result.recorded)} {kpis_word} from {file}"
    ]
    if result.replaced:
        parts.append(f"replaced {result.replaced} already stored with a different value")
    if result.skipped:
        parts.append(f"{result.skipped} already stored with the same value")
    if result.differing:
        parts.append(
            f"{result.differing} already stored with a different value: use --replace to "
            "overwrite them"
        )
    return "; ".join(parts) + "."


def cmd_kpi_export(args: argparse.Namespace, settings: Settings) -> int:
    since = None
    if args.since:
        try:
            since = kpi_ingest.parse_time(args.since, now=args.clock.now())
        except kpis.KpiValueError as exc:
            return _fail(f"--since: {exc}.")
    db = _database(settings)
    try:
        with ExitStack() as stack:
            session = stack.enter_context(db.session())
            out: Any = (
                stack.enter_context(open(args.output, "w", newline="", encoding="utf-8"))
                if args.output
                else sys.stdout
            )
            writer = csv.writer(out)
            writer.writerow(kpi_ingest.CSV_COLUMNS)
            rows = kpi_ingest.export_rows(
                session, team_id=args.team, kpi_name=args.kpi, since=since
            )
            for name, value, at in rows:
                writer.writerow([name, plain_number(value), at.isoformat().replace("+00:00", "Z")])
    except OpsbotError as exc:
        return _fail(exc.message)
    finally:
        db.dispose()
    return 0


def cmd_token_create(args: argparse.Namespace, settings: Settings) -> int:
    db = _database(settings)
    with db.session() as session:
        row, token = kpi_ingest.create_token(
            session, team_id=args.team, name=args.name, now=args.clock.now()
        )
        token_id = row.id
    db.dispose()
    print(f"Token {token_id} ({args.name}) for {args.team}. It is shown only this once:")
    print(token)
    return 0


def cmd_token_list(args: argparse.Namespace, settings: Settings) -> int:
    db = _database(settings)
    with db.session() as session:
        for row in kpi_ingest.list_tokens(session, team_id=args.team):
            state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
            print(f"{row.id}\t{row.name}\tcreated {row.created_at:%Y-%m-%d}\t{state}")
    db.dispose()
    return 0


def cmd_token_revoke(args: argparse.Namespace, settings: Settings) -> int:
    db = _database(settings)
    try:
        with db.session() as session:
            kpi_ingest.revoke_token(
                session, team_id=args.team, token_id=args.id, now=args.clock.now()
            )
    except OpsbotError as exc:
        return _fail(exc.message)
    finally:
        db.dispose()
    print(f"Token {args.id} is revoked; requests with it now get 401.")
    return 0


# --- KPI queries and sources ---
def _sources(settings: Settings, db: Database | None = None) -> Any:
    """The configured sources, and the console demo's `wms` when this database holds the
    demo and `wms` is not configured (the console knows it without OPSBOT_SOURCE_WMS)."""
    from bot.demo import wms
    from bot.services.sources import Sources

    urls = dict(settings.sources)
    if wms.SOURCE not in urls:
        demo_url = _demo_source_url(settings, db)
        if demo_url is not None:
            urls[wms.SOURCE] = demo_url
            print(f"Using the console demo's source {wms.SOURCE}: {demo_url}.", file=sys.stderr)
    return Sources(urls, timeout=settings.opsbot_source_timeout)


def _demo_source_url(settings: Settings, db: Database | None) -> str | None:
    """Where the demo held by this database keeps its WMS file. Without an open `db`, only a
    SQLite database that exists is looked at (listing sources needs no database server)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from bot.demo import wms

    if db is None:
        url = make_url(settings.database_url)
        if url.get_backend_name() != "sqlite" or not Path(url.database or "").is_file():
            return None
    try:
        opened = db or Database(settings.database_url)
        try:
            with opened.session() as session:
                return wms.stored_source_url(session)
        finally:
            if db is None:
                opened.dispose()
    except SQLAlchemyError:  # not an Opsbot database (yet): no demo in it
        return None


def _announce_and_deliver(settings: Settings, db: Database) -> None:
    """Send the alerts a run queued when Slack is configured; a running Opsbot does it too."""
    if settings.slack_bot_token:
        from bot.cli import deliver_queued

        deliver_queued(settings, db)


def cmd_source_list(args: argparse.Namespace, settings: Settings) -> int:
    sources = _sources(settings)
    if not sources.names:
        print("No sources: set OPSBOT_SOURCE_<NAME>=<SQLAlchemy URL> in the environment or .env.")
        return 0
    for name in sources.names:
        print(f"{name}\t{sources.get(name).dialect}")
    return 0


def cmd_source_test(args: argparse.Namespace, settings: Settings) -> int:
    from bot.services.sources import SourceError, check_source

    sources = _sources(settings)
    try:
        source = sources.get(args.name)
        seconds = check_source(source, timeout=sources.timeout)
    except SourceError as exc:
        return _fail(f"Source {args.name.lower()}: {exc}.")
    finally:
        sources.close()
    print(
        f"Source {source.name} ({source.dialect}) answered SELECT 1 read-only "
        f"in {seconds * 1000:.0f} ms."
    )
    return 0


def cmd_kpi_query_set(args: argparse.Namespace, settings: Settings) -> int:
    from zoneinfo import ZoneInfo

    from bot.messaging import kpi_queries as messages
    from bot.services import kpi_queries, schedule

    try:
        every = kpi_queries.parse_every(args.every)
        at = schedule.parse_time(args.at) if args.at else None
        zone = schedule.parse_timezone(args.tz) if args.tz else ZoneInfo(settings.opsbot_timezone)
    except ValueError as exc:
        return _fail(f"{exc}.")
    try:
        with open(args.file, encoding="utf-8") as handle:
            sql = handle.read()
    except OSError as exc:
        return _fail(f"Cannot read {args.file}: {exc.strerror}.")
    db = _database(settings)
    sources = _sources(settings, db)
    try:
        tried = messages.try_and_save(
            db,
            sources,
            args.clock,
            team_id=args.team,
            kpi_name=args.kpi,
            source=args.source,
            sql=sql,
            schedule=kpi_queries.Schedule(every, at, zone),
            set_by=None,
        )
        if not tried.ok:
            return _fail(f"{args.file}: {tried.message}. Nothing was saved.")
        _announce_and_deliver(settings, db)
    except OpsbotError as exc:
        return _fail(exc.message)
    finally:
        sources.close()
        db.dispose()
    print(f"Saved the query of {tried.kpi.name}: it ran and {tried.message}.")
    return 0


def cmd_kpi_query_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.messaging import kpi_queries as messages

    db = _database(settings)
    sources = _sources(settings, db)
    try:
        outcome = messages.run_saved_query(
            db, sources, args.clock, team_id=args.team, kpi_name=args.kpi
        )
        _announce_and_deliver(settings, db)
    except OpsbotError as exc:
        return _fail(exc.message)
    finally:
        sources.close()
        db.dispose()
    if not outcome.ok:
        return _fail(f"The query of {outcome.kpi.name} failed: {outcome.message}.")
    print(f"The query of {outcome.kpi.name} ran and {outcome.message}.")
    return 0


def cmd_kpi_query_off(args: argparse.Namespace, settings: Settings) -> int:
    from bot.services import kpi_queries

    db = _database(settings)
    try:
        with db.session() as session:
            kpi = kpis.find_kpi(session, team_id=args.team, name=args.kpi)
            kpi_queries.stop_query(session, kpi=kpi, now=args.clock.now())
            name = kpi.name
    except OpsbotError as exc:
        return _fail(exc.message)
    finally:
        db.dispose()
    print(f"Stopped the query of {name}; its SQL is kept.")
    return 0


def _add_query_commands(kpi_commands: Any) -> None:
    query = kpi_commands.add_parser("query", help="compute a KPI with SQL on one of your sources")
    actions = query.add_subparsers(dest="query_command", required=True, metavar="ACTION")
    setter = actions.add_parser(
        "set", help="run the SQL in a file once and, if it returns values, save it"
    )
    setter.add_argument("kpi", metavar="KPI")
    setter.add_argument("--team", required=True, help=TEAM_HELP)
    setter.add_argument("--source", required=True, help="a source name (opsbot source list)")
    setter.add_argument("--every", required=True, help="how often: 15m, 1h … 1d")
    setter.add_argument("--at", help="first run of each day, HH:MM (default 00:00)")
    setter.add_argument("--tz", help="timezone of --at (default OPSBOT_TIMEZONE)")
    setter.add_argument("--file", required=True, metavar="FILE.sql", help="the SELECT")
    setter.set_defaults(handler=cmd_kpi_query_set)
    runner = actions.add_parser("run", help="run a KPI's saved query now")
    runner.add_argument("kpi", metavar="KPI")
    runner.add_argument("--team", required=True, help=TEAM_HELP)
    runner.set_defaults(handler=cmd_kpi_query_run)
    stopper = actions.add_parser("off", help="stop running a KPI's query (its SQL is kept)")
    stopper.add_argument("kpi", metavar="KPI")
    stopper.add_argument("--team", required=True, help=TEAM_HELP)
    stopper.set_defaults(handler=cmd_kpi_query_off)


def _add_source_commands(commands: Any) -> None:
    source = commands.add_parser("source", help="the databases KPI queries run on")
    actions = source.add_subparsers(dest="source_command", required=True, metavar="ACTION")
    actions.add_parser("list", help="names and dialects (never credentials)").set_defaults(
        handler=cmd_source_list
    )
    tester = actions.add_parser("test", help="connect and run SELECT 1 read-only")
    tester.add_argument("name", metavar="NAME")
    tester.set_defaults(handler=cmd_source_test)


def add_kpi_commands(commands: Any) -> None:
    """Add `kpi` and `token` to the `opsbot` command's subcommands."""
    kpi = commands.add_parser("kpi", help="import or export KPI values as CSV")
    kpi_commands = kpi.add_subparsers(dest="kpi_command", required=True, metavar="ACTION")
    importer = kpi_commands.add_parser(
        "import", help="import values from a CSV file with columns kpi,value,at (all or nothing)"
    )
    importer.add_argument("file", metavar="FILE.csv")
    importer.add_argument("--team", required=True, help=TEAM_HELP)
    importer.add_argument(
        "--replace",
        action="store_true",
        help="overwrite values already stored for the same KPI and time (default: skip them)",
    )
    importer.set_defaults(handler=cmd_kpi_import)
    exporter = kpi_commands.add_parser("export", help="write values as CSV (kpi,value,at)")
    exporter.add_argument("--team", required=True, help=TEAM_HELP)
    exporter.add_argument("--kpi", metavar="NAME", help="only this KPI")
    exporter.add_argument("--since", metavar="DATE", help="only values at or after this time")
    exporter.add_argument("--output", "-o", metavar="FILE", help="write here (default stdout)")
    exporter.set_defaults(handler=cmd_kpi_export)
    _add_query_commands(kpi_commands)
    _add_source_commands(commands)

    token = commands.add_parser("token", help="manage bearer tokens of the KPI ingest API")
    token_commands = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = token_commands.add_parser("create", help="create a token (shown once)")
    create.add_argument("--team", required=True, help=TEAM_HELP)
    create.add_argument("--name", default="ingest", help="what the token is for")
    create.set_defaults(handler=cmd_token_create)
    listing = token_commands.add_parser("list", help="list a workspace's tokens")
    listing.add_argument("--team", required=True, help=TEAM_HELP)
    listing.set_defaults(handler=cmd_token_list)
    revoke = token_commands.add_parser("revoke", help="revoke a token by its number")
    revoke.add_argument("id", type=int, metavar="ID")
    revoke.add_argument("--team", required=True, help=TEAM_HELP)
    revoke.set_defaults(handler=cmd_token_revoke)
