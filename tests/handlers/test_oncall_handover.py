"""Shift handover: the incoming person's DM with the package, the shift-change line, the user
group, the Acknowledge button, the reminder 30 minutes later, `/oncall handover` (text and
modal), all exactly once, with two instances too. Signed requests through the real app, the
fake Slack over HTTP, a real database and the injectable clock (START is Monday 2 March 2026,
08:00 UTC; in `night` Joe is on call 08:00-20:00 UTC and Maria 20:00-08:00)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.ids import ActionId, CallbackId
from bot.runtime import Runtime
from bot.services import standups
from bot.standin.driver import SlackDriver
from bot.standin.server import ApiCall, FakeSlack
from tests.conftest import ADMIN, JOE, MARIA, OPS_CHANNEL, START, TEAM, instance, settle
from tests.handlers.test_escalate import message_text

NIGHT = "night <@UJOE|joe> <@UMARIA|maria> every=12h handover=08:00 tz=UTC start=2026-03-02"
GROUP = "S0NIGHT"
EVENING = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # Joe → Maria
MORNING = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)  # Maria → Joe


@pytest.fixture
def second_runtime(runtime: Runtime, clock: ManualClock) -> Iterator[Runtime]:
    """Another instance on the same database, clock and Slack."""
    other = instance(runtime.settings, clock)
    yield other
    other.close()


def _stamp(moment: datetime) -> str:
    return f"<!date^{int(moment.timestamp())}^"


def _set_up(slack: SlackDriver, fake_slack: FakeSlack, *, group: bool = True) -> None:
    fake_slack.add_usergroup(GROUP, "night-leads")
    assert "Created" in slack.command("/oncall", f"create {NIGHT}", user=ADMIN).text()
    usergroup = f" usergroup=<!subteam^{GROUP}|@night-leads>" if group else ""
    saved = slack.command(
        "/oncall", f"config night channel=<#{OPS_CHANNEL}|ops>{usergroup}", user=ADMIN
    ).text()
    assert "Saved." in saved


def _at(runtime: Runtime, clock: ManualClock, moment: datetime) -> None:
    clock.set(moment)
    runtime.scheduler.tick()


def _dms(fake_slack: FakeSlack, user: str) -> list[dict[str, Any]]:
    return fake_slack.messages_in(user)


def _handovers(fake_slack: FakeSlack, user: str) -> list[dict[str, Any]]:
    return [m for m in _dms(fake_slack, user) if "Handover: night" in message_text(m)]


def _lines(fake_slack: FakeSlack) -> list[str]:
    return [
        message_text(m)
        for m in fake_slack.messages_in(OPS_CHANNEL)
        if "Shift change in" in message_text(m)
    ]


def _ack_button(message: dict[str, Any]) -> dict[str, Any]:
    [button] = [
        element
        for block in message["blocks"]
        for element in block.get("elements", [])
        if element.get("action_id") == ActionId.ONCALL_HANDOVER_ACK
    ]
    return button


def test_the_handover_package_the_line_the_group_and_the_acknowledgement(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    _set_up(slack, fake_slack)
    # Escalations: a sev1 (always), a sev3 whose chain pages the schedule, a sev4 that does not.
    slack.command("/escalate", f"config channel <#{OPS_CHANNEL}|ops>", user=ADMIN)
    slack.command("/escalate", "config oncall sev3 schedule:night", user=ADMIN)
    slack.command("/escalate", "config oncall sev4 <@UADMIN|ada>", user=ADMIN)
    slack.command("/escalate", "sev1 Conveyor 3 stopped", user=MARIA)
    slack.command("/escalate", "sev3 Label printer jams on dock 2", user=MARIA)
    slack.command("/escalate", "sev4 Coffee machine empty", user=MARIA)
    # KPIs: one off target during Joe's shift, one on target.
    slack.command("/kpi", "add on-time target=95 unit=%", user=ADMIN)
    slack.command("/kpi", "add picks target=100", user=ADMIN)
    clock.set(START + timedelta(hours=2))
    slack.command("/kpi", "record on-time 91", user=JOE)
    slack.command("/kpi", "record picks 120", user=JOE)
    # A standup blocker, still open.
    with runtime.db.session() as session:
        standup, _ = standups.configure(
            session,
            team_id=TEAM,
            channel_id=OPS_CHANNEL,
            user_id=ADMIN,
            now=clock.now(),
            remind_at=datetime(2026, 3, 2, 9, 0).time(),
        )
        standups.join(session, team_id=TEAM, standup_id=standup.id, user_id=JOE, now=clock.now())
        standups.save_answer(
            session,
            team_id=TEAM,
            standup=standup,
            user_id=JOE,
            local_date=clock.now().date(),
            texts=["Dock 2", "Dock 3", "Waiting on the forklift battery <!channel>"],
            now=clock.now(),
        )
    # Joe's note for Maria, with a mention that stays one.
    clock.set(START + timedelta(hours=4))
    saved = slack.command(
        "/oncall", "handover Dock 4 door sensor flaky, ask <@UADMIN|ada>", user=JOE
    )
    assert "Saved your note for *night*" in saved.text()
    assert f"It goes to <@UMARIA> with the handover before {_stamp(EVENING)}" in saved.text()
    settle(runtime)

    _at(runtime, clock, EVENING - timedelta(minutes=16))
    assert _handovers(fake_slack, MARIA) == []
    _at(runtime, clock, EVENING - timedelta(minutes=15))
    [dm] = _handovers(fake_slack, MARIA)
    text = message_text(dm)
    assert f"You are on call in *night* from {_stamp(EVENING)}" in text
    assert f"until {_stamp(MORNING)}" in text and "taking over from <@UJOE>" in text
    assert "Dock 4 door sensor flaky, ask <@UADMIN>" in text
    assert "*ESC-1*" in text and "Conveyor 3 stopped" in text
    assert "*ESC-2*" in text and "Label printer jams" in text
    assert "ESC-3" not in text and "Coffee machine" not in text
    assert "*on-time*: 91%, target ≥ 95% · off target · 1 value off target" in text
    assert "picks" not in text
    assert "Waiting on the forklift battery &lt;!channel&gt;" in text
    assert _ack_button(dm)["text"]["text"] == "Acknowledge handover"
    assert _lines(fake_slack) == []  # the line comes at the change itself

    _at(runtime, clock, EVENING)
    [line] = _lines(fake_slack)
    assert f"Shift change in *night*: <@UJOE> → <@UMARIA> until {_stamp(MORNING)}" in line
    assert fake_slack.usergroup_members(GROUP) == [MARIA]
    _at(runtime, clock, EVENING + timedelta(minutes=1))
    assert len(_handovers(fake_slack, MARIA)) == 1 and len(_lines(fake_slack)) == 1

    # Maria acknowledges (twice: a double click): the button goes, Joe hears it once.
    button = _ack_button(dm)
    for _ in range(2):
        slack.click(
            ActionId.ONCALL_HANDOVER_ACK,
            user=MARIA,
            value=button["value"],
            channel="D" + MARIA[1:],
            message=dm,
            block_id="handover-ack",
        )
    settle(runtime)
    replaced = fake_slack.calls_to("response_url")[-1]
    assert replaced["replace_original"] in (True, "true")
    assert "You acknowledged this handover" in replaced.blocks_text()
    assert "Acknowledge handover" not in replaced.blocks_text()
    acked = [m for m in _dms(fake_slack, JOE) if "acknowledged your handover" in message_text(m)]
    assert len(acked) == 1
    # Joe cannot acknowledge Maria's handover.
    slack.click(ActionId.ONCALL_HANDOVER_ACK, user=JOE, value=button["value"], channel=JOE)
    settle(runtime)
    assert "Only the person taking over" in fake_slack.calls_to("response_url")[-1].blocks_text()

    # Acknowledged: no reminder 30 minutes later.
    _at(runtime, clock, EVENING + timedelta(minutes=31))
    assert len(_handovers(fake_slack, MARIA)) == 1
    assert not [m for m in _dms(fake_slack, JOE) if "has not acknowledged" in message_text(m)]


def test_two_instances_hand_over_once_and_remind_once(
    runtime: Runtime,
    second_runtime: Runtime,
    clock: ManualClock,
    fake_slack: FakeSlack,
    slack: SlackDriver,
) -> None:
    _set_up(slack, fake_slack)
    barrier = threading.Barrier(2)

    def tick(instance: Runtime) -> None:
        barrier.wait(timeout=10)
        instance.scheduler.tick()

    with ThreadPoolExecutor(max_workers=2) as pool:
        moment = EVENING - timedelta(minutes=20)
        while moment <= EVENING + timedelta(minutes=50):
            clock.set(moment)
            list(pool.map(tick, (runtime, second_runtime)))
            moment += timedelta(minutes=5)
    settle(runtime, second_runtime)

    maria = [message_text(m) for m in _handovers(fake_slack, MARIA)]
    assert len(maria) == 2  # the handover, and the reminder 30 minutes after the change
    assert "have not acknowledged the handover yet" in maria[1]
    joe = [m for m in _dms(fake_slack, JOE) if "has not acknowledged" in message_text(m)]
    assert len(joe) == 1
    assert len(_lines(fake_slack)) == 1
    # Once when the group was configured (Joe, on call then), once at the change.
    assert len(fake_slack.calls_to("usergroups.users.update")) == 2
    assert fake_slack.usergroup_members(GROUP) == [MARIA]


def test_a_refused_user_group_is_told_to_the_admin_once_and_not_retried(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    fake_slack.fail("usergroups.users.update", status=200, error="paid_teams_only", times=10)
    _set_up(slack, fake_slack)
    for moment in (EVENING, EVENING + timedelta(minutes=5), MORNING, MORNING + timedelta(hours=1)):
        _at(runtime, clock, moment)
    settle(runtime)
    tries = [c for c in fake_slack.calls if c.method == "usergroups.users.update"]
    assert len(tries) == 3  # once when configured, once per change, never in a loop
    told = [m for m in _dms(fake_slack, ADMIN) if "could not set the user group" in message_text(m)]
    assert len(told) == 1
    assert "User groups need a paid Slack plan." in message_text(told[0])
    assert "`/oncall config night usergroup=off`" in message_text(told[0])
    # The shift changes went out all the same.
    assert len(_lines(fake_slack)) == 2
    status = slack.command("/ops", "status", user=ADMIN).text()
    assert "User groups need a paid Slack plan." in status
    # The Home tab lists the same failure once, counted.
    slack.open_home(user=ADMIN)
    settle(runtime)
    [home] = [c for c in fake_slack.calls_to("views.publish") if c.get("user_id") == ADMIN][-1:]
    shown = ApiCall("view", {"blocks": home["view"]["blocks"]}).blocks_text()
    assert shown.count("user group of night") == 1
    assert "User groups need a paid Slack plan. (3 times)" in shown


def test_a_gap_is_named_and_downtime_is_made_up_within_the_grace_period(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    _set_up(slack, fake_slack)
    slack.command(
        "/oncall",
        "create office <@UJOE|joe> every=1d handover=09:00 tz=UTC start=2026-03-02 "
        "hours=09:00-17:00",
        user=ADMIN,
    )
    slack.command("/oncall", f"config office channel=<#{OPS_CHANNEL}|ops>", user=ADMIN)
    # Opsbot is down from 16:00 to 18:30 and to 20:10: the 17:00 gap and the 20:00 change
    # (and its handover, due at 19:45) are made up within the grace period (2 h).
    _at(runtime, clock, START + timedelta(hours=8))
    _at(runtime, clock, START + timedelta(hours=10, minutes=30))
    _at(runtime, clock, EVENING + timedelta(minutes=10))
    lines = _lines(fake_slack)
    tomorrow = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    [gap] = [line for line in lines if "*office*" in line]
    assert f"Shift change in *office*: <@UJOE> → nobody until {_stamp(tomorrow)}" in gap
    assert gap.endswith(". Nobody is on call: a gap in the schedule.")
    assert any("Shift change in *night*: <@UJOE> → <@UMARIA>" in line for line in lines)
    assert len(_handovers(fake_slack, MARIA)) == 1
    # Down until 11:00: the 08:00 change of night is past the grace period and is not sent
    # late; office's 09:00 change is just within it.
    _at(runtime, clock, MORNING + timedelta(hours=3))
    assert len([line for line in _lines(fake_slack) if "*night*" in line]) == 1
    assert "*office*: nobody → <@UJOE>" in _lines(fake_slack)[-1]
    assert not [m for m in _dms(fake_slack, JOE) if "Handover: night" in message_text(m)]


def test_handover_note_modal_and_a_note_after_the_handover_went_out(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    _set_up(slack, fake_slack)
    assert (
        "not in any on-call schedule" in slack.command("/oncall", "handover hi", user=ADMIN).text()
    )
    slack.command("/oncall", "handover", user=JOE)
    [opened] = fake_slack.calls_to("views.open")
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert view["callback_id"] == CallbackId.ONCALL_HANDOVER_NOTE
    empty = slack.submit(view, {"note": {"note": {"value": "  "}}}, user=JOE)
    assert empty.json["response_action"] == "errors"
    slack.submit(view, {"note": {"note": {"value": "Truck 7 late, gate B"}}}, user=JOE)
    settle(runtime)
    saved = [m for m in _dms(fake_slack, JOE) if "Saved your note" in message_text(m)]
    assert len(saved) == 1 and "Truck 7 late, gate B" in message_text(saved[0])

    _at(runtime, clock, EVENING - timedelta(minutes=10))
    assert "Truck 7 late, gate B" in message_text(_handovers(fake_slack, MARIA)[0])
    typo = slack.command("/oncall", "handover nigth Gate B fixed", user=JOE).text()
    assert "There is no schedule `nigth`. Did you mean `night`? Nothing was saved." in typo
    # A note written after the handover went out reaches Maria at once, by name of schedule.
    late = slack.command("/oncall", "handover night Gate B fixed", user=ADMIN).text()
    assert "<@UMARIA> already has the handover, so I sent it to them now" in late
    settle(runtime)
    extra = [m for m in _dms(fake_slack, MARIA) if "One more note" in message_text(m)]
    assert len(extra) == 1 and "Gate B fixed" in message_text(extra[0])


def test_a_handover_full_of_long_hostile_text_still_fits_in_one_message(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    _set_up(slack, fake_slack)
    for n in range(6):
        note = f"{n} " + "&<>" * 332
        assert "Saved" in slack.command("/oncall", f"handover night {note}", user=JOE).text()
    too_long = slack.command("/oncall", "handover night " + "x" * 1001, user=JOE).text()
    assert "A handover note is at most 1000 characters." in too_long
    for _ in range(10):
        slack.command("/escalate", "sev1 " + "&" * 149, user=MARIA)
    settle(runtime)
    _at(runtime, clock, EVENING - timedelta(minutes=15))
    [dm] = _handovers(fake_slack, MARIA)
    text = message_text(dm)
    assert "_The last 5 of 6 notes:_" in text and "&lt;!channel&gt;" not in text
    assert "&amp;&lt;&gt;" in text and "… and 2 more: `/escalate list` shows them all." in text
    assert len(dm["blocks"]) <= 50


# -- trial follow-ups --------------------------------------------------------------------------

OFFICE = "office <@UJOE|joe> every=1d handover=09:00 tz=UTC start=2026-03-02 days=mon-fri"
MONDAY = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # after the weekend's gap, Joe again


def test_after_a_gap_the_handover_looks_back_a_day_and_the_reminder_tells_nobody(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    assert "Created" in slack.command("/oncall", f"create {OFFICE}", user=ADMIN).text()
    slack.command("/kpi", "add on-time target=95 unit=%", user=ADMIN)
    slack.command("/kpi", "add picks target=100", user=ADMIN)
    # On-time was off target a week ago and is on target now: nothing to watch today.
    clock.set(START + timedelta(hours=2))
    slack.command("/kpi", "record on-time 91", user=JOE)
    clock.set(START + timedelta(hours=3))
    slack.command("/kpi", "record on-time 99", user=JOE)
    clock.set(MONDAY - timedelta(hours=3))
    slack.command("/kpi", "record picks 80", user=JOE)
    settle(runtime)

    _at(runtime, clock, MONDAY - timedelta(minutes=15))
    [dm] = [m for m in _dms(fake_slack, JOE) if "Handover: office" in message_text(m)]
    text = message_text(dm)
    assert "after a gap nobody covered" in text
    # The gap began on Saturday 09:00; the handover looks back 24 hours of it.
    since = _stamp(MONDAY - timedelta(hours=24))
    assert f"a control-rule signal since {since}" in text
    assert "*picks*" in text and "*on-time*" not in text
    assert "No notes." in text and "No notes. " not in text

    _at(runtime, clock, MONDAY + timedelta(minutes=31))
    [reminder] = [m for m in _dms(fake_slack, JOE) if "Reminder" in str(m.get("text"))]
    reminded = message_text(reminder)
    assert f"You have been on call since {_stamp(MONDAY)}" in reminded
    assert "has been told" not in reminded and "took over at" not in reminded


def test_a_note_by_the_incoming_person_is_for_whoever_follows_them(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    _set_up(slack, fake_slack, group=False)
    _at(runtime, clock, EVENING - timedelta(minutes=10))
    assert len(_handovers(fake_slack, MARIA)) == 1
    # Maria has her handover and writes a note before her shift: it is for Joe, next morning.
    saved = slack.command("/oncall", "handover night Starting nights tonight", user=MARIA).text()
    assert "already has the handover" not in saved
    assert f"It goes to <@UJOE> with the handover before {_stamp(MORNING)}" in saved
    settle(runtime)
    assert not [m for m in _dms(fake_slack, MARIA) if "One more note" in message_text(m)]
    # During her shift she adds one more; Joe's handover has both, Maria's own had neither.
    clock.set(EVENING + timedelta(hours=4))
    slack.command("/oncall", "handover Dock 2 light out", user=MARIA)
    _at(runtime, clock, MORNING - timedelta(minutes=15))
    [joes] = _handovers(fake_slack, JOE)
    assert "Starting nights tonight" in message_text(joes)
    assert "Dock 2 light out" in message_text(joes)
    assert "Starting nights tonight" not in message_text(_handovers(fake_slack, MARIA)[0])


def test_a_user_group_is_set_at_once_to_whoever_is_on_call_when_configured(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    fake_slack.add_usergroup(GROUP, "night-leads")
    fake_slack.add_usergroup("S0DAY", "day-leads")
    slack.command("/oncall", f"create {NIGHT}", user=ADMIN)
    saved = slack.command(
        "/oncall", f"config night usergroup=<!subteam^{GROUP}|@night-leads>", user=ADMIN
    ).text()
    assert f"<!subteam^{GROUP}> (set now to <@{JOE}>, on call now)" in saved
    settle(runtime)
    assert fake_slack.usergroup_members(GROUP) == [JOE]  # not only at 20:00

    # A schedule in a gap (09:00-17:00 only; it is 08:00): the group is left as it is.
    day = "day <@UMARIA|maria> every=1d handover=09:00 tz=UTC start=2026-03-02 hours=09:00-17:00"
    slack.command("/oncall", f"create {day}", user=ADMIN)
    saved = slack.command(
        "/oncall", "config day usergroup=<!subteam^S0DAY|@day-leads>", user=ADMIN
    ).text()
    assert "nobody is on call now: the group stays as it is until the next shift begins" in saved
    settle(runtime)
    assert [c["usergroup"] for c in fake_slack.calls_to("usergroups.users.update")] == [GROUP]
    # Changing only the channel sets nothing again.
    slack.command("/oncall", f"config night channel=<#{OPS_CHANNEL}|ops>", user=ADMIN)
    settle(runtime)
    assert len(fake_slack.calls_to("usergroups.users.update")) == 1
    # The day shift begins: the group follows.
    _at(runtime, clock, datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    settle(runtime)
    assert fake_slack.usergroup_members("S0DAY") == [MARIA]


def test_both_home_tabs_show_the_shift_change_when_it_happens(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    _set_up(slack, fake_slack, group=False)
    for user in (JOE, MARIA):
        slack.open_home(user=user)
    settle(runtime)

    def home(user: str) -> str:
        [last] = [c for c in fake_slack.calls_to("views.publish") if c.get("user_id") == user][-1:]
        return ApiCall("view", {"blocks": last["view"]["blocks"]}).blocks_text()

    assert f"You are on call: night, until {_stamp(EVENING)}" in home(JOE)
    assert f"Your next shift: night, {_stamp(EVENING)}" in home(MARIA)
    before = len(fake_slack.calls_to("views.publish"))

    _at(runtime, clock, EVENING)
    settle(runtime)
    assert len(fake_slack.calls_to("views.publish")) == before + 2
    assert f"Your next shift: night, {_stamp(MORNING)}" in home(JOE)
    assert f"You are on call: night, until {_stamp(MORNING)}" in home(MARIA)


def test_no_reminder_for_a_shift_an_override_already_ended(
    runtime: Runtime, clock: ManualClock, fake_slack: FakeSlack, slack: SlackDriver
) -> None:
    _set_up(slack, fake_slack, group=False)
    moment = EVENING - timedelta(minutes=20)
    while moment <= EVENING + timedelta(minutes=10):
        _at(runtime, clock, moment)
        moment += timedelta(minutes=5)
    settle(runtime)
    assert len(_handovers(fake_slack, MARIA)) == 1  # Maria takes over at 20:00
    # At 20:10 Joe stays on instead: Maria's shift is over before anyone would chase her.
    taken = slack.command("/oncall", "override night <@UJOE|joe> now +8h", user=ADMIN).text()
    assert "is on call in *night*" in taken
    while moment <= EVENING + timedelta(minutes=50):
        _at(runtime, clock, moment)
        moment += timedelta(minutes=5)
    settle(runtime)
    reminders = [m for m in _handovers(fake_slack, MARIA) if "not acknowledged" in message_text(m)]
    assert reminders == []
    assert not [m for m in _dms(fake_slack, JOE) if "has not acknowledged" in message_text(m)]
