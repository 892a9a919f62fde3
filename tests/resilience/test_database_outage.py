"""PostgreSQL becomes unreachable while Opsbot runs (its connection goes through a proxy on
loopback that the test cuts), then comes back: users are told plainly that nothing was lost,
/healthz says 503, posts due meanwhile are made up, and the same runtime recovers."""

from __future__ import annotations

import logging
import time as time_module
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.clock import ManualClock
from bot.ids import ActionId
from bot.messaging.escalations import open_modal_view
from bot.models import Escalation, PostStatus
from bot.runtime import Runtime
from bot.services import escalations, huddle, ledger, standups
from bot.services.schedule import WEEKDAYS
from bot.standin.driver import SlackDriver, form_values
from bot.standin.server import ApiCall, FakeSlack
from bot.web import create_web_app
from tests.conftest import ADMIN, JOE, MARIA, OPS_CHANNEL, TEAM, driver_for, empty_postgres
from tests.resilience.tcp_proxy import TcpProxy

UNAVAILABLE = "database is temporarily unavailable"
NOTHING_LOST = "nothing already stored was lost"
STANDUP_CHANNEL = "C0STANDUP"
MONDAY_0800 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
MONDAY_0850 = datetime(2026, 3, 2, 8, 50, tzinfo=UTC)


@pytest.fixture
def proxy(postgres_url: str) -> Iterator[TcpProxy]:
    url = make_url(postgres_url)
    running = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    yield running
    running.close()


@pytest.fixture
def database_url(postgres_url: str, proxy: TcpProxy) -> str:
    """The PostgreSQL test database, reached through the proxy (overrides the shared one)."""
    empty_postgres(postgres_url)
    return make_url(postgres_url).set(port=proxy.port).render_as_string(hide_password=False)


def says_unavailable(text: str) -> bool:
    return UNAVAILABLE in text and NOTHING_LOST in text


def escalation_count(runtime: Runtime) -> int:
    with runtime.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Escalation)) or 0)


def test_every_path_tells_the_user_nothing_was_lost_and_the_bot_recovers(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, proxy: TcpProxy
) -> None:
    with runtime.db.session() as session:
        escalations.set_channel(session, team_id=TEAM, channel_id=OPS_CHANNEL, now=MONDAY_0800)
    assert "ESC-1" in slack.command("/escalate", "sev2 Dock door 4 stuck", user=MARIA).text()
    health = create_web_app(runtime).test_client()
    assert health.get("/healthz").status_code == 200

    proxy.cut()
    assert health.get("/healthz").status_code == 503
    for command, text in (
        ("/escalate", "list"),
        ("/escalate", "sev1 Conveyor 2 down"),
        ("/escalate", "ack ESC-1"),
        ("/standup", ""),
        ("/standup", "report"),
        ("/huddle", "preview"),
    ):
        reply = slack.command(command, text, user=MARIA, channel=OPS_CHANNEL)
        assert reply.status == 200, (command, text)
        assert says_unavailable(reply.text()), (command, text, reply.text())

    # A button: acknowledged at once, then told through its response_url.
    clicked = slack.click(
        ActionId.ESCALATION_ACK, user=JOE, value="1", channel=OPS_CHANNEL, block_id="actions_1"
    )
    assert clicked.status == 200
    fake_slack.wait_for("response_url", lambda c: says_unavailable(c.blocks_text()))

    # A modal: the error is pushed as a view on top of the form, which stays open.
    form = {**open_modal_view(), "id": "VOUTAGE"}
    submitted = slack.submit(
        form, form_values(form, {"summary": "Forklift 7 brakes", "severity": "sev2"}), user=JOE
    )
    assert submitted.status == 200
    assert submitted.json["response_action"] == "push"
    assert says_unavailable(ApiCall("view", submitted.json["view"]).blocks_text())

    # A DM asking for an escalation: answered in the DM; Slack is not asked to retry it.
    dm = slack.dm("escalate Ammonia alarm in cold store", user=MARIA)
    assert dm.status == 200
    fake_slack.wait_for(
        "chat.postMessage",
        lambda c: c.get("channel") == "DMARIA" and says_unavailable(c.blocks_text()),
    )

    proxy.restore()
    assert health.get("/healthz").status_code == 200
    assert escalation_count(runtime) == 1
    reply = slack.command("/escalate", "sev1 Conveyor 2 down", user=MARIA)
    assert "ESC-2" in reply.text()
    assert "ESC-1" in slack.command("/escalate", "list", user=MARIA).text()


def test_posts_due_during_the_outage_are_made_up_when_it_ends(
    runtime: Runtime,
    clock: ManualClock,
    fake_slack: FakeSlack,
    proxy: TcpProxy,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock.set(MONDAY_0850)
    with runtime.db.session() as session:
        huddle.configure(
            session,
            team_id=TEAM,
            channel_id=OPS_CHANNEL,
            at=time(9, 0),
            tz="UTC",
            days=WEEKDAYS,
            default_tz="UTC",
            user_id=ADMIN,
            now=MONDAY_0850,
        )
        # Ada is in Europe/Berlin: her 10:00 reminder is due at 09:00 UTC.
        standup, _ = standups.configure(
            session,
            team_id=TEAM,
            channel_id=STANDUP_CHANNEL,
            user_id=ADMIN,
            now=MONDAY_0850,
            remind_at=time(10, 0),
            report_at=time(11, 0),
            days=WEEKDAYS,
            timezone="UTC",
            questions=None,
            default_timezone="UTC",
        )
        standups.join(session, team_id=TEAM, standup_id=standup.id, user_id=ADMIN, now=MONDAY_0850)
        escalations.set_chain(
            session, team_id=TEAM, severity=None, user_ids=[MARIA, JOE], now=MONDAY_0850
        )
        escalations.set_channel(session, team_id=TEAM, channel_id=OPS_CHANNEL, now=MONDAY_0850)
        escalations.open_escalation(
            session,
            team_id=TEAM,
            reporter_id="UREPORTER",
            summary="Sorter jammed",
            details="",
            severity="sev1",
            now=MONDAY_0850,
        )
    runtime.scheduler.tick()
    assert fake_slack.calls_to("chat.postMessage") == []

    proxy.cut()
    moment = MONDAY_0850
    with caplog.at_level(logging.WARNING, logger="bot.scheduler"):
        while moment < MONDAY_0850 + timedelta(hours=1):
            moment += timedelta(minutes=5)
            clock.set(moment)
            runtime.scheduler.tick()
    assert fake_slack.calls_to("chat.postMessage") == []
    # Each job says in one line that it will try again; no traceback per tick.
    assert caplog.records and all(
        r.levelno == logging.WARNING and "could not reach the database" in r.getMessage()
        for r in caplog.records
    )

    proxy.restore()
    for minutes in (0, 5, 10):
        clock.set(moment + timedelta(minutes=minutes))
        runtime.scheduler.tick()

    huddles = [m for m in fake_slack.messages_in(OPS_CHANNEL) if "Daily huddle" in m["text"]]
    assert len(huddles) == 1
    reminders = [m for m in fake_slack.messages_in(ADMIN) if "standup" in m["text"]]
    assert len(reminders) == 1
    # The sev1 deadline (08:55) passed during the outage: Joe, level 2, is paged once.
    pages = [m for m in fake_slack.messages_in(JOE) if "ESC-1" in m["text"]]
    assert len(pages) == 1
    with runtime.db.session() as session:
        [post] = ledger.posts_for_channel(
            session, team_id=TEAM, channel_id=OPS_CHANNEL, kind=huddle.HUDDLE_KIND
        )
    assert post.status == PostStatus.SENT
    assert post.sent_at == moment


def test_an_unreachable_database_host_still_gets_an_answer_within_slacks_deadline(
    runtime: Runtime, fake_slack: FakeSlack, proxy: TcpProxy
) -> None:
    # The answer's time alone: this driver does not deliver the outbox after each request.
    slack = driver_for(runtime, fake_slack, deliver=False)
    assert "Nothing is open" in slack.command("/escalate", "list", user=MARIA).text()
    proxy.freeze()
    started = time_module.monotonic()
    reply = slack.command("/escalate", "list", user=MARIA)
    assert says_unavailable(reply.text())
    # Slack gives up on an answer after 3 seconds; the connection attempt gives up first.
    assert time_module.monotonic() - started < 3
    proxy.restore()
    assert "Nothing is open" in slack.command("/escalate", "list", user=MARIA).text()
