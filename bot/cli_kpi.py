"""`opsbot kpi import|export` and `opsbot token create|list|revoke`."""

from __future__ import annotations

import argparse
import csv
import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

from bot.config import Settings
from bot.db import Database
from bot.errors import OpsbotError
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
            reader = csv.DictReader(handle)
            kpi_ingest.check_header(reader.fieldnames)
            rows = ({(k or "").strip().lower(): v for k, v in row.items()} for row in reader)
            now = datetime.now(UTC)
            result = kpi_ingest.import_rows(session, team_id=args.team, rows=rows, now=now)
            alerts = [r.alert for r in result.recorded if r.alert is not None]
            queued = post_alerts(session, alerts, now=now)
    except OSError as exc:
        return _fail(f"Cannot read {args.file}: {exc.strerror}.")
    except OpsbotError as exc:
        return _fail(f"{args.file}: {exc.message}")
    print(f"Imported {result.count} values into {len(result.recorded)} KPIs from {args.file}.")
    if queued and settings.slack_bot_token:
        from bot.cli import deliver_queued

        sent = deliver_queued(settings, db)
        print(f"Posted {queued} KPI alerts." if sent else f"Queued {queued} KPI alerts.")
    elif queued:
        print(f"Queued {queued} KPI alerts; a running Opsbot posts them.")
    db.dispose()
    return 0


def cmd_kpi_export(args: argparse.Namespace, settings: Settings) -> int:
    since = None
    if args.since:
        try:
            since = kpi_ingest.parse_time(args.since)
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
                writer.writerow([name, repr(value), at.isoformat().replace("+00:00", "Z")])
    except OpsbotError as exc:
        return _fail(exc.message)
    finally:
        db.dispose()
    return 0


def cmd_token_create(args: argparse.Namespace, settings: Settings) -> int:
    db = _database(settings)
    with db.session() as session:
        row, token = kpi_ingest.create_token(
            session, team_id=args.team, name=args.name, now=datetime.now(UTC)
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
                session, team_id=args.team, token_id=args.id, now=datetime.now(UTC)
            )
    except OpsbotError as exc:
        return _fail(exc.message)
    finally:
        db.dispose()
    print(f"Token {args.id} is revoked; requests with it now get 401.")
    return 0


def add_kpi_commands(commands: Any) -> None:
    """Add `kpi` and `token` to the `opsbot` command's subcommands."""
    kpi = commands.add_parser("kpi", help="import or export KPI values as CSV")
    kpi_commands = kpi.add_subparsers(dest="kpi_command", required=True, metavar="ACTION")
    importer = kpi_commands.add_parser(
        "import", help="import values from a CSV file with columns kpi,value,at (all or nothing)"
    )
    importer.add_argument("file", metavar="FILE.csv")
    importer.add_argument("--team", required=True, help=TEAM_HELP)
    importer.set_defaults(handler=cmd_kpi_import)
    exporter = kpi_commands.add_parser("export", help="write values as CSV (kpi,value,at)")
    exporter.add_argument("--team", required=True, help=TEAM_HELP)
    exporter.add_argument("--kpi", metavar="NAME", help="only this KPI")
    exporter.add_argument("--since", metavar="DATE", help="only values at or after this time")
    exporter.add_argument("--output", "-o", metavar="FILE", help="write here (default stdout)")
    exporter.set_defaults(handler=cmd_kpi_export)

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
