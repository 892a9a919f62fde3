"""What a new user's trial of standups and the huddle found (issue 14 follow-up): "same as
yesterday" takes the previous answer's blocker status, every open sev1 and sev2 needs
attention, two standups each get their own huddle lines, and a report before the
reminders names everyone it leaves "not due yet"."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.blocks import render
from bot.db import Database
from bot.models import SlackUser
from bot.services import huddle, huddle_sources, standups
from bot.services.huddle import HuddleSources, OpenEscalation
from bot.standin.server import ApiCall
from tests.conftest import JOE, MARIA, TEAM
from tests.services.test_standups import SAM, _answer, _join, _standup

MON, TUE, WED, THU = (date(2026, 12, d) for d in (7, 8, 9, 10))
OMAR, PRIYA = "UOMAR", "UPRIYA"
MINUTE = timedelta(minutes=1)


def test_same_as_yesterday_takes_the_previous_answers_blocker_status(db: Database) -> None:
    with db.session() as session:
        standup = _standup(session)
        _join(session, standup, OMAR, MARIA)
        _answer(session, standup, OMAR, MON, "nothing blocking, all good")
        assert _answer(session, standup, OMAR, TUE, "same as yesterday").blocker is None
        assert _answer(session, standup, OMAR, WED, "Ditto").blocker is None
        _answer(session, standup, MARIA, MON, "waiting on the forklift repair")
        # A day without an answer in between: still the previous answer it points back to.
        continued = _answer(session, standup, MARIA, WED, "as before")
        assert continued.blocker == "as before" and continued.blocker_since == MON
        # Said first thing, with nothing to point back to: shown, the checkbox settles it.
        assert _answer(session, standup, JOE, MON, "same as yesterday").blocker is not None

        blockers = standups.open_blockers(
            session, team_id=TEAM, now=datetime(2026, 12, 9, 18, 0, tzinfo=UTC)
        )
        assert {(b.user_id, b.first_day) for b in blockers} == {(MARIA, MON), (JOE, MON)}


def test_a_report_before_the_reminders_names_everyone_in_the_teams_zone(db: Database) -> None:
    with db.session() as session:
        standup = _standup(session, report_at=time(7, 0))  # reminders at 08:30 Chicago
        _join(session, standup, MARIA, OMAR, PRIYA, SAM)
        now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
        for user_id, tz in ((MARIA, "America/Chicago"), (PRIYA, "America/Los_Angeles")):
            session.add(
                SlackUser(team_id=TEAM, user_id=user_id, name=user_id, tz=tz, refreshed_at=now)
            )
        session.flush()  # Omar and Sam: no zone known, the standup's
        late = standups.late_reminders(session, standup, now=now)
        assert [(item.user_id, item.user_ids) for item in late] == [
            (None, (MARIA, OMAR, SAM)),
            (PRIYA, ()),
        ]
        # Someone joining is named in the team zone's line when it is theirs.
        [joining] = standups.late_reminders(session, standup, now=now, user_ids=[OMAR])
        assert joining.user_id is None and joining.user_ids == (OMAR,)
        [elsewhere] = standups.late_reminders(session, standup, now=now, user_ids=[PRIYA])
        assert elsewhere.user_id == PRIYA


def _escalation(ref: str, severity: int, age: timedelta, *, breached: bool) -> OpenEscalation:
    now = datetime(2026, 12, 8, 13, 45, tzinfo=UTC)
    deadline = now - 25 * MINUTE if breached else now + 30 * MINUTE
    return OpenEscalation(ref, severity, f"summary {ref}", None, now - age, deadline, breached)


def test_needs_attention_shows_every_open_sev1_and_sev2() -> None:
    now = datetime(2026, 12, 8, 13, 45, tzinfo=UTC)
    open_escalations = [
        _escalation("ESC-51", 1, 50 * MINUTE, breached=False),
        _escalation("ESC-52", 1, 40 * MINUTE, breached=False),
        _escalation("ESC-53", 1, 30 * MINUTE, breached=False),
        _escalation("ESC-57", 2, 90 * MINUTE, breached=False),
        _escalation("ESC-58", 2, 80 * MINUTE, breached=False),
        _escalation("ESC-59", 2, 60 * MINUTE, breached=True),
        _escalation("ESC-60", 3, 60 * MINUTE, breached=True),
    ]
    items = huddle.rank_attention(now=now, kpis=[], open_escalations=open_escalations, blockers=[])
    assert [item.title.split()[0] for item in items] == [
        "ESC-51",
        "ESC-52",
        "ESC-53",
        "ESC-59",  # past its SLA before the older sev2s within theirs
        "ESC-57",
        "ESC-58",
    ]
    assert items[3].detail == "not acknowledged, past its SLA by 25m"
    # One sev1: the other two places go to the rest.
    few = huddle.rank_attention(
        now=now,
        kpis=[],
        open_escalations=[open_escalations[0], open_escalations[-1]],
        blockers=[],
    )
    assert [item.title.split()[0] for item in few] == ["ESC-51", "ESC-60"]


def test_two_standups_each_get_their_own_lines_in_the_huddle(db: Database) -> None:
    # Tue 8 Dec, 07:45 in Chicago: #shift-leads reminded at 07:00, #ops-kpis at 08:30.
    now = datetime(2026, 12, 8, 13, 45, tzinfo=UTC)
    with db.session() as session:
        leads = _standup(session, channel_id="C0LEADS", remind_at=time(7, 0))
        ops = _standup(session, channel_id="C0OPSKPIS", remind_at=time(8, 30))
        _join(session, leads, MARIA, JOE, PRIYA)
        _join(session, ops, OMAR, SAM)
        _answer(session, leads, MARIA, TUE, "none", at=now - 30 * MINUTE)
        _answer(session, leads, JOE, TUE, "Keine", at=now - 20 * MINUTE)
        built = huddle.build_huddle(
            session,
            team_id=TEAM,
            channel_id="C0HUDDLE",
            tz="America/Chicago",
            now=now,
            sources=HuddleSources(standup=huddle_sources.standup_summary),
        )
    assert built.standup is not None
    assert [part.channel_id for part in built.standup.standups] == ["C0LEADS", "C0OPSKPIS"]
    shown = ApiCall("post", render("messages/huddle", huddle=built)).blocks_text()
    assert "<#C0LEADS> · 2 of 3 answered (67%)\n    No answer yet: <@UPRIYA>" in shown
    assert (
        "<#C0OPSKPIS>\n    Reminders go out at 08:30 in each person's timezone; the first: "
        "<!date^1796740200^" in shown
    )
    assert "No open blockers." in shown
