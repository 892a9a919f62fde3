"""The owner rule: one owner, always the person last paged or who acknowledged. An assignee
chosen when opening is paged before the chain; a reassignment pages the new owner, who must
acknowledge again; nobody is paged twice for one step."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.models import EscalationStatus
from bot.runtime import Runtime
from bot.services import escalations
from bot.standin.driver import SlackDriver
from bot.standin.server import FakeSlack
from tests.conftest import ADMIN, JOE, MARIA, TEAM
from tests.handlers.test_escalate import REPORTER, configure, dms_to


def pages(fake_slack: FakeSlack, user: str) -> int:
    return len([t for t in dms_to(fake_slack, user) if "You are on call" in t])


def owner_and_status(runtime: Runtime, number: int = 1) -> tuple[str | None, str]:
    with runtime.db.session() as session:
        escalation = escalations.get_escalation(session, team_id=TEAM, number=number)
        return escalation.assignee_id, escalation.status


def test_an_assignee_is_paged_first_then_the_chain(
    runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    configure(runtime, chain=(JOE, ADMIN))
    with runtime.db.session() as session:
        escalation = escalations.open_escalation(
            session,
            team_id=TEAM,
            reporter_id=REPORTER,
            summary="Cold room 2 at 9°C",
            details="",
            severity="sev2",
            assignee_id=MARIA,
            now=clock.now(),
        )
        assert (escalation.assignee_id, escalation.level) == (MARIA, 0)
    clock.advance(timedelta(minutes=15))
    runtime.scheduler.tick()
    assert owner_and_status(runtime) == (JOE, EscalationStatus.OPEN)
    clock.advance(timedelta(minutes=15))
    runtime.scheduler.tick()
    assert owner_and_status(runtime) == (ADMIN, EscalationStatus.OPEN)


def test_the_chain_skips_the_owner_s_own_level(
    runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock, slack: SlackDriver
) -> None:
    configure(runtime, chain=(JOE, ADMIN))
    with runtime.db.session() as session:
        escalations.open_escalation(
            session,
            team_id=TEAM,
            reporter_id=REPORTER,
            summary="Dock door 4 stuck",
            details="",
            severity="sev2",
            assignee_id=JOE,
            now=clock.now(),
        )
    clock.advance(timedelta(minutes=15))
    runtime.scheduler.tick()
    assert owner_and_status(runtime) == (ADMIN, EscalationStatus.OPEN)


def test_a_reassignment_pages_the_new_owner_who_must_acknowledge(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    configure(runtime, chain=(JOE, ADMIN))
    slack.command("/escalate", "sev2 Wave 14 short-picked", user=REPORTER)
    slack.command("/escalate", "ack ESC-1", user=JOE)
    clock.advance(timedelta(minutes=30))
    slack.command("/escalate", "assign ESC-1 <@UMARIA|maria>", user=JOE)
    assert pages(fake_slack, MARIA) == 1
    assert owner_and_status(runtime) == (MARIA, EscalationStatus.OPEN)
    # Her 15 minutes start now; unacknowledged, it moves on up the chain.
    clock.advance(timedelta(minutes=14))
    runtime.scheduler.tick()
    assert owner_and_status(runtime)[0] == MARIA
    clock.advance(timedelta(minutes=1))
    runtime.scheduler.tick()
    assert owner_and_status(runtime) == (ADMIN, EscalationStatus.OPEN)
    assert pages(fake_slack, JOE) == 1  # paged once, when it was opened
    acked = slack.command("/escalate", "ack ESC-1", user=MARIA).text()
    assert "Acknowledged by <@UMARIA>" in acked
    assert owner_and_status(runtime) == (MARIA, EscalationStatus.ACKNOWLEDGED)


def test_the_timeline_names_every_change_of_owner_and_why(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack
) -> None:
    configure(runtime, chain=(JOE,))
    slack.command("/escalate", "sev2 Dock door 4 stuck", user=REPORTER)
    slack.command("/escalate", "ack ESC-1", user=MARIA)
    slack.command("/escalate", "assign ESC-1 <@UADMIN|ada>", user=MARIA)
    shown = slack.command("/escalate", "show ESC-1", user=MARIA).text()
    assert "paging level 1: <@UJOE>" in shown
    assert "Acknowledged by <@UMARIA>, who takes it over from <@UJOE>." in shown
    assert "assigned it to <@UADMIN>, who is paged and must acknowledge it." in shown
    [page] = [t for t in dms_to(fake_slack, ADMIN) if "You are on call" in t]
    assert "as its assignee" in page
