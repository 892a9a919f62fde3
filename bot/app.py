"""The composition root: builds settings, database, clock, Slack clients, scheduler,
delivery worker and the Bolt app once, and wires listeners, jobs and delivery hooks."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.db import Database
from bot.delivery import DeliveryWorker, make_delivery_client
from bot.messaging import (
    deliveries,
    escalations,
    handover,
    home,
    home_tab,
    huddle,
    kpis,
    oncall,
    reports,
    scheduled,
    standups,
)
from bot.runtime import Runtime, make_client
from bot.scheduler import Scheduler
from bot.services.sources import Sources


def build_runtime(
    settings: Settings,
    *,
    clock: Clock | None = None,
    executor: ThreadPoolExecutor | None = None,
) -> Runtime:
    """Wire everything together. The Bolt app calls auth.test here, as Bolt does.

    `executor` runs Bolt's listeners; the console passes one that can tell when
    the app's background work is done."""
    from bot.jobs import register_jobs
    from handlers import register_all

    clock = clock or SystemClock()
    db = Database(settings.database_url)
    scheduler = Scheduler(db=db, clock=clock, tick_seconds=settings.opsbot_tick_seconds)
    client = make_client(settings)
    executor = executor or ThreadPoolExecutor(max_workers=16, thread_name_prefix="listener")
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        # Listeners only write to the database and the outbox, so Slack gets its answer as
        # soon as the listener returns instead of at Bolt's next 10 ms ack poll.
        process_before_response=True,
        listener_executor=executor,
        logger=logging.getLogger("slack_bolt"),
    )
    delivery = build_delivery(settings, db=db, clock=clock)
    runtime = Runtime(
        settings=settings,
        db=db,
        clock=clock,
        scheduler=scheduler,
        client=client,
        app=app,
        executor=executor,
        delivery=delivery,
        sources=Sources(settings.sources, timeout=settings.opsbot_source_timeout),
    )
    register_all(app, runtime)
    register_jobs(runtime)
    return runtime


def build_delivery(settings: Settings, *, db: Database, clock: Clock) -> DeliveryWorker:
    """The delivery worker with every domain's makers, recorders and failure hooks."""
    worker = DeliveryWorker(
        db=db,
        clock=clock,
        client=make_delivery_client(
            token=settings.slack_bot_token, base_url=settings.slack_api_url
        ),
    )
    worker.add_maker(
        home.HOME_MAKER,
        lambda team_id, user_id: home_tab.home_view(
            db, team_id=team_id, user_id=user_id, now=clock.now(), admin_ids=settings.admin_ids
        ),
    )
    worker.add_maker(
        huddle.HUDDLE_MAKER,
        lambda **args: huddle.huddle_message(db, now=clock.now(), **args),
    )
    worker.add_maker(
        kpis.CHART_MAKER,
        lambda **args: kpis.chart_upload(db, default_zone=settings.timezone, **args),
    )
    worker.add_maker(oncall.TIMELINE_MAKER, lambda **args: oncall.timeline_upload(db, **args))
    worker.add_maker(
        reports.REPORT_MAKER,
        lambda run_id: reports.report_message(
            db,
            run_id=run_id,
            now=clock.now(),
            user_name=worker.user_name,
            channel_name=worker.channel_name,
        ),
    )
    worker.add_maker(
        reports.REPORT_FILE_MAKER,
        lambda run_id, kind: reports.report_file(db, run_id=run_id, kind=kind),
    )
    worker.add_maker(
        escalations.ESCALATION_MAKER,
        lambda escalation_id, part, event_id=None: escalations.escalation_part(
            db, escalation_id=escalation_id, part=part, event_id=event_id, now=clock.now()
        ),
    )
    worker.add_recorder(escalations.MESSAGE_RECORDER, escalations.record_message)
    worker.add_recorder(scheduled.LEDGER_RECORDER, scheduled.record_ledger_post)
    worker.add_recorder(standups.ANSWER_RECORDER, standups.record_answer)
    worker.add_recorder(standups.THREAD_RECORDER, standups.record_thread)
    worker.add_recorder(kpis.LOOKUP_CHART_RECORDER, kpis.record_lookup_chart)
    worker.add_recorder(kpis.SHARE_RECORDER, kpis.record_share)
    worker.add_recorder(oncall.TIMELINE_RECORDER, oncall.record_timeline)
    worker.add_recorder(oncall.SHARE_RECORDER, oncall.record_share)
    worker.add_recorder(handover.USERGROUP_RECORDER, handover.record_usergroup)
    worker.failure_hooks.append(deliveries.tell_admin_once)
    return worker
