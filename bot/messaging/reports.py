"""Leadership reports in Slack: queue a report post and its four files (KPI board, Pareto
chart, CSV, PDF) in its thread. The report is built by the delivery worker when the post is
sent, and its files are made then from the same figures, so nothing slow sits in a
command's acknowledgement and the post and its files always agree."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.messaging import scheduled
from bot.services import outbox, reports
from bot.services.report_files import report_files

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from bot.db import Database
    from bot.models import Delivery

REPORT_MAKER = "report"
REPORT_FILE_MAKER = "report-file"
FILE_KINDS = ("board", "pareto", "csv", "pdf")


def post(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    period: reports.ReportPeriod,
    now: datetime,
    ledger_post_id: int | None = None,
    notify_user_id: str | None = None,
    manual: bool = False,
) -> Delivery:
    """Queue the report of `period` for the channel, and its files in the post's thread. A
    scheduled one records its outcome in the ledger (never sent twice)."""
    if notify_user_id is None:
        config = reports.get_config(
            session, team_id=team_id, channel_id=channel_id, cadence=period.cadence
        )
        notify_user_id = config.updated_by if config is not None else None
    run = reports.new_run(
        session, team_id=team_id, channel_id=channel_id, period=period, now=now, manual=manual
    )
    message = scheduled.queue_message(
        session,
        team_id=team_id,
        channel_id=channel_id,
        message={"$make": {"name": REPORT_MAKER, "args": {"run_id": run.id}}},
        now=now,
        ledger_post_id=ledger_post_id,
        notify_user_id=notify_user_id,
        description=f"{period.cadence} report",
    )
    session.flush()
    for kind in FILE_KINDS:
        outbox.enqueue(
            session,
            team_id=team_id,
            key=f"channel:{team_id}:{channel_id}",
            method="files.upload",
            channel_id=channel_id,
            payload={
                "channel": channel_id,
                "$thread_ts_from": message.id,
                "$make": {"name": REPORT_FILE_MAKER, "args": {"run_id": run.id, "kind": kind}},
            },
            now=now,
            notify_user_id=notify_user_id,
            description=f"{period.cadence} report {kind}",
        )
    return message


def report_message(
    db: Database,
    *,
    run_id: int,
    now: datetime,
    user_name: Callable[[str], str | None] = lambda _: None,
    channel_name: Callable[[str], str | None] = lambda _: None,
) -> dict[str, Any]:
    """Delivery maker: the report post as the data stands when it is sent; its files are made
    (in the chart process) from the same figures and kept for the thread. The files are read
    outside Slack, so they name people (cached profiles, else `user_name`) and channels
    (`channel_name`): the delivery worker asks Slack."""
    with db.session() as session:
        run = reports.get_run(session, run_id=run_id)
        built = reports.build_report(
            session, team_id=run.team_id, period=reports.period_of(run), now=now
        )
        names = reports.report_names(
            session, report=built, user_name=user_name, channel_name=channel_name
        )
    files = report_files(built, names)
    with db.session() as session:
        reports.store_files(
            session, run=reports.get_run(session, run_id=run_id), files=files, now=now
        )
    return render("messages/report", report=built, preview=False)


def report_file(db: Database, *, run_id: int, kind: str) -> dict[str, Any]:
    """Delivery maker: one of the report's files, for files_upload_v2."""
    with db.session() as session:
        found = reports.get_file(session, run_id=run_id, kind=kind)
        return {"file": found.content, "filename": found.filename, "title": found.title}
