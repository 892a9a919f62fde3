"""Running KPI queries off the request path and saying what came of them: values alert
like any other (`post_alerts`), and the KPI channel hears once when a KPI's source starts
failing and once when it works again. Shared by the scheduler job, the `/kpi query` modal
and the CLI. Queries run on their source's own small thread pool (`Sources.submit`)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.blocks import render
from bot.errors import OpsbotError
from bot.ids import CallbackId
from bot.messaging.kpis import post_alerts
from bot.models import Kpi, KpiQuery, KpiQueryRun
from bot.services import kpi_queries, kpis, outbox
from bot.services.kpi_queries import QueryResultError, RunOutcome, Schedule
from bot.services.sources import Rows, SourceError, Sources, UnknownSourceError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.clock import Clock
    from bot.db import Database

log = logging.getLogger(__name__)

OnDone = Callable[["Session", "Tried"], None]


def fetch(sources: Sources, *, source: str, sql: str) -> tuple[Rows | None, str | None]:
    """Run `sql` on `source` read-only: its rows, or the reason it failed (safe to show)."""
    try:
        return sources.get(source).run(sql, timeout=sources.timeout), None
    except SourceError as exc:
        return None, str(exc)


def announce(session: Session, outcome: RunOutcome, *, now: datetime) -> None:
    """Queue the alerts a run calls for: the values' (status, SPC) and the source's."""
    post_alerts(session, [outcome.recorded.alert if outcome.recorded else None], now=now)
    if not (outcome.started_failing or outcome.recovered_since):
        return
    kpi = outcome.kpi
    channel = kpis.kpi_channel(session, team_id=kpi.team_id)
    if channel is None:
        log.info("no KPI channel in %s; source alert for %s not posted", kpi.team_id, kpi.name)
        return
    outbox.enqueue(
        session,
        team_id=kpi.team_id,
        key=f"channel:{kpi.team_id}:{channel}",
        method="chat.postMessage",
        channel_id=channel,
        payload={
            "channel": channel,
            **render("messages/kpi_source_alert", o=outcome, query=outcome.query, now=now),
        },
        now=now,
        description=f"source alert for {kpi.name}",
    )


def run_due_queries(
    db: Database, sources: Sources, clock: Clock, *, now: datetime, grace: timedelta
) -> int:
    """Claim every run due at `now` (exactly once across instances) and hand each to its
    source's pool; returns how many were started."""
    with db.session() as session:
        due = kpi_queries.due_runs(session, now=now, grace=grace)
    started = 0
    for item in due:
        with db.session() as session:
            run = kpi_queries.claim_run(session, due=item, now=now)
            run_id = None if run is None else run.id
        if run_id is None:
            continue
        sources.submit(item.source, lambda run_id=run_id: execute_run(db, sources, clock, run_id))
        started += 1
    return started


def execute_run(db: Database, sources: Sources, clock: Clock, run_id: int) -> None:
    """Run one claimed due time of a query and record what came of it."""
    with db.session() as session:
        run = session.get(KpiQueryRun, run_id)
        query = session.get(KpiQuery, run.query_id) if run else None
        if query is None:
            return
        source, sql = query.source, query.sql
    rows, error = fetch(sources, source=source, sql=sql)
    now = clock.now()
    with db.session() as session:
        run = session.get(KpiQueryRun, run_id)
        query = _locked(session, run.query_id) if run else None
        kpi = session.get(Kpi, query.kpi_id) if query else None
        if run is None or query is None or kpi is None:
            return
        outcome = kpi_queries.record_outcome(
            session, query=query, kpi=kpi, rows=rows, error=error, now=now, run=run
        )
        announce(session, outcome, now=now)
        log.info("query of KPI %s on source %s: %s", kpi.name, source, outcome.message)


def run_saved_query(
    db: Database, sources: Sources, clock: Clock, *, team_id: str, kpi_name: str
) -> RunOutcome:
    """Run a KPI's saved query now (not a scheduled due time): `opsbot kpi query run`."""
    with db.session() as session:
        kpi = kpis.find_kpi(session, team_id=team_id, name=kpi_name)
        query = kpi_queries.query_of(session, kpi=kpi)
        if query is None:
            raise OpsbotError(
                f"{kpi.name} has no query yet: set one with `opsbot kpi query set {kpi.name} "
                "--source S --every 1h --file query.sql` or `/kpi query` in Slack."
            )
        source, sql = query.source, query.sql
    try:
        sources.get(source)
    except UnknownSourceError:
        # This process lacks the source, not the KPI: nothing to record or alert about.
        raise OpsbotError(
            f"{kpi.name}'s query runs on source {source}, which is not configured here: set "
            f"OPSBOT_SOURCE_{source.upper()}=<SQLAlchemy URL> in the environment or .env "
            "(as the running Opsbot has it). The query did not run; nothing was recorded."
        ) from None
    rows, error = fetch(sources, source=source, sql=sql)
    now = clock.now()
    with db.session() as session:
        kpi = kpis.find_kpi(session, team_id=team_id, name=kpi_name)
        query = _locked(session, query.id)
        assert query is not None
        outcome = kpi_queries.record_outcome(
            session, query=query, kpi=kpi, rows=rows, error=error, now=now
        )
        announce(session, outcome, now=now)
    return outcome


@dataclass(frozen=True)
class Tried:
    """A query tried before it is saved: saved with what it recorded, or the error."""

    ok: bool
    message: str
    kpi: Kpi
    query: KpiQuery | None
    recorded: kpis.Recorded | None


def try_and_save(
    db: Database,
    sources: Sources,
    clock: Clock,
    *,
    team_id: str,
    kpi_name: str,
    source: str,
    sql: str,
    schedule: Schedule,
    set_by: str | None,
    on_done: OnDone | None = None,
    quiet: bool = False,
) -> Tried:
    """Run `sql` once; when it returns values, save it as the KPI's query (recording them,
    alerts and all, unless `quiet`: the demo's history), otherwise save nothing. `on_done`
    is called in the same transaction."""
    try:
        sql = kpi_queries.check_sql(sql)
    except QueryResultError as exc:
        rows, error = None, str(exc)
    else:
        rows, error = fetch(sources, source=source, sql=sql)
    now = clock.now()
    with db.session() as session:
        kpi = kpis.find_kpi(session, team_id=team_id, name=kpi_name)
        if rows is not None:
            try:
                kpi_queries.read_points(rows, now=now)
            except QueryResultError as exc:
                error = str(exc)
        if error is not None:
            tried = Tried(False, error, kpi, None, None)
        else:
            assert rows is not None
            query = kpi_queries.save_query(
                session,
                kpi=kpi,
                source=source,
                sql=sql,
                schedule=schedule,
                set_by=set_by,
                now=now,
            )
            outcome = kpi_queries.record_outcome(
                session, query=query, kpi=kpi, rows=rows, error=None, now=now
            )
            if not quiet:
                announce(session, outcome, now=now)
            tried = Tried(True, outcome.message, kpi, query, outcome.recorded)
        if on_done is not None:
            on_done(session, tried)
    return tried


@dataclass
class ModalHandoff:
    """Who answers a `/kpi query` modal's submission: the listener in its acknowledgement
    (the run finished in time), or the run itself with views.update (it did not)."""

    view_id: str
    render_view: Callable[[Tried], dict[str, Any]]
    clock: Clock
    listener_answers: bool = True
    decided: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on_done(self, session: Session, tried: Tried) -> None:
        with self.lock:
            self.decided = True
            if self.listener_answers:
                return
        outbox.enqueue(
            session,
            team_id=tried.kpi.team_id,
            key=f"view:{self.view_id}",
            method="views.update",
            payload={"view_id": self.view_id, "view": self.render_view(tried)},
            now=self.clock.now(),
            description=f"the outcome of {tried.kpi.name}'s query",
        )

    def give_up_waiting(self) -> bool:
        """The listener stops waiting; False when the run has already taken its answer."""
        with self.lock:
            if self.decided:
                return False
            self.listener_answers = False
            return True


def _locked(session: Session, query_id: int) -> KpiQuery | None:
    """The query's row, locked so that two runs finishing together agree on whether the
    source started failing or recovered (one alert each way)."""
    return session.scalar(select(KpiQuery).where(KpiQuery.id == query_id).with_for_update())


@dataclass(frozen=True)
class QueryForm:
    """What the `/kpi query` modal saves besides the SQL (its private_metadata)."""

    kpi_name: str
    source: str
    every: timedelta
    at: time | None
    timezone: str

    @property
    def schedule(self) -> Schedule:
        return Schedule(self.every, self.at, ZoneInfo(self.timezone))

    def meta(self) -> str:
        return json.dumps(
            {
                "kpi": self.kpi_name,
                "source": self.source,
                "every": int(self.every.total_seconds()),
                "at": self.at.strftime("%H:%M") if self.at else None,
                "tz": self.timezone,
            }
        )

    @classmethod
    def from_meta(cls, text: str) -> QueryForm:
        meta = json.loads(text)
        return cls(
            meta["kpi"],
            meta["source"],
            timedelta(seconds=meta["every"]),
            time.fromisoformat(meta["at"]) if meta["at"] else None,
            meta["tz"],
        )


def query_form(
    session: Session,
    sources: Sources,
    *,
    kpi: Kpi,
    source: str | None,
    every: timedelta | None,
    at: time | None,
    zone: ZoneInfo | None,
    default_zone: ZoneInfo,
) -> tuple[QueryForm, str]:
    """The form for a KPI's query (options left out keep its current query's) and the SQL
    to pre-fill; OpsbotError when the source or schedule is missing or unknown."""
    existing = kpi_queries.query_of(session, kpi=kpi)
    source = source or (existing.source if existing else None)
    every = every or (existing.every if existing else None)
    if source is None or every is None:
        raise OpsbotError(
            f"Say where and how often {kpi.name}'s query runs, such as "
            f"`/kpi query {kpi.name} source=wms every=1h`. Sources: "
            f"{', '.join(sources.names) or 'none yet (OPSBOT_SOURCE_<NAME> on the server)'}."
        )
    try:
        sources.get(source)
    except SourceError as exc:
        raise OpsbotError(f"{str(exc)[0].upper()}{str(exc)[1:]}.") from None
    if at is None and existing is not None:
        at = existing.at
    zone_name = zone.key if zone else existing.timezone if existing else default_zone.key
    form = QueryForm(kpi.name, source, every, at, zone_name)
    return form, existing.sql if existing else ""


def query_modal(
    form: QueryForm, *, sql: str, timeout: float, error: str | None = None
) -> dict[str, Any]:
    """The `/kpi query` modal for `form`, with `sql` pre-filled and `error` shown."""
    return render(
        "views/kpi_query",
        kpi_name=form.kpi_name,
        query=form,
        sql=sql,
        meta=form.meta(),
        error=error,
        timeout=timeout,
        CallbackId=CallbackId,
    )


def query_result_view(
    tried: Tried | None, *, form: QueryForm, timeout: float, now: datetime
) -> dict[str, Any]:
    """The modal after a submission: running (`tried` None), or saved."""
    return render(
        "views/kpi_query_result",
        running=tried is None,
        tried=tried,
        kpi=tried.kpi if tried else {"name": form.kpi_name},
        source=form.source,
        timeout=timeout,
        next_run=kpi_queries.next_due(now, form.schedule),
    )
