"""/oncall and escalation chains that page whoever is on call: signed requests through the
real app, a fake Slack over HTTP, a real database and the injectable clock (START is Monday
2 March 2026, 08:00 UTC)."""

from __future__ import annotations

import json
import os
import struct
from datetime import timedelta
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.ids import ActionId
from bot.messaging import oncall as oncall_messages
from bot.runtime import Runtime
from bot.services import escalations, kpi_chart, oncall_chart
from bot.standin.driver import SlackDriver
from bot.standin.server import ApiCall, FakeSlack
from tests.conftest import ADMIN, JOE, MARIA, OPS_CHANNEL, TEAM, settle
from tests.handlers.test_escalate import channel_message, dms_to, thread

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Joe 08:00-20:00 UTC, Maria 20:00-08:00, every day from Monday 2 March.
NIGHT = "night @joe<@UJOE|joe> <@UMARIA|maria> every=12h handover=08:00 tz=UTC start=2026-03-02"


def _create(slack: SlackDriver, text: str = NIGHT) -> str:
    return slack.command("/oncall", f"create {text}".replace("@joe<", "<"), user=ADMIN).text()


def _buttons(call: ApiCall | dict[str, Any], action_id: str) -> list[dict[str, Any]]:
    blocks = call["blocks"]
    found = []
    for block in blocks:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("action_id") == action_id:
                found.append(element)
    return found


# -- schedules --------------------------------------------------------------------------------


def test_create_layer_and_the_coverage_they_report(slack: SlackDriver) -> None:
    created = _create(slack)
    assert "Created the on-call schedule *night* (times in UTC)" in created
    assert "*Layer 1*: <@UJOE> → <@UMARIA>, a turn of 12h each, handing over at 08:00" in created
    assert "Covered around the clock for the next 14d." in created

    office = slack.command(
        "/oncall",
        "create office <@UJOE> every=1d handover=09:00 tz=Europe/Berlin start=2026-03-02 "
        "days=mon-fri hours=09:00-17:00",
        user=ADMIN,
    ).text()
    # Nobody outside office hours: 16h gaps, named with Slack's dates, the rest counted.
    assert "*Nobody is on call* in 10 gaps in the next 14d" in office
    assert "<!date^1772467200^" in office  # Monday 17:00 in Berlin, 16:00 UTC
    assert "(2d 16h)" in office  # the weekend
    assert "… and 2 more" in office

    layer = slack.command(
        "/oncall", "layer office <@UMARIA> every=1w handover=17:00 start=2026-03-02", user=ADMIN
    ).text()
    assert "Added layer 2 to *office*" in layer
    # Maria's weekly layer covers from Monday 17:00 on, Joe's office hours win over it.
    assert "Covered around the clock for the next 14d." in layer

    overview = slack.command("/oncall", "", user=JOE).text()
    assert "*night*: <@UJOE> until <!date^1772481600^" in overview  # 20:00 UTC
    assert "then <@UMARIA> until <!date^1772524800^" in overview  # Tuesday 08:00 UTC
    assert "*office*: <@UJOE> until <!date^1772467200^" in overview  # 17:00 in Berlin


TURNS = "use 4h, 6h, 8h, 12h, 1d, &lt;n&gt;d, 1w or 2w (at most 4 weeks)."


def test_hostile_and_mistyped_input_gets_one_line_and_the_usage(slack: SlackDriver) -> None:
    base = "<@UJOE> every=12h handover=08:00"
    cases = {
        f"create day {base.replace('12h', '5h')}": f"`every=5h` is not a turn length; {TURNS}",
        f"create day {base.replace('12h', '1h')}": f"`every=1h` is not a turn length; {TURNS}",
        f"create day {base.replace('12h', '99999999999d')}": (
            f"`every=99999999999d` is not a turn length; {TURNS}"
        ),
        f"create day {base.replace('12h', '900w')}": f"`every=900w` is not a turn length; {TURNS}",
        f"create day {base} tz=Chicago": (
            "`Chicago` is not a timezone; did you mean America/Chicago?"
        ),
        f"create <!channel> {base}": "`&lt;!channel&gt;` is not a schedule name",
        f"create day @nobody {base}": "`@nobody` is not a person in this workspace",
        "create day <@UJOE> handover=08:00": "Say `every=`",
        f"create day {base} days=someday": "`someday` is not a day list",
        f"create day {base} hours=9-5": "`hours=9-5` is not a window",
        f"create day {base} tz=Mars/Olympus": "`Mars/Olympus` is not a timezone",
        "create day "
        + " ".join(f"<@U{n:04d}>" for n in range(60))
        + " every=12h handover=08:00": "A layer has at most 50 people",
        "creat day": "Did you mean `/oncall create`?",
        "show night 90d": "`90d` is not a span to show",
    }
    for text, expected in cases.items():
        reply = slack.command("/oncall", text, user=ADMIN)
        assert reply.status == 200
        answer = reply.text()
        assert expected in answer, (text, answer)
        assert "Usage:" in answer
    assert "&lt;!channel&gt;" in str(
        slack.command("/oncall", f"create <!channel> {base}", user=ADMIN).json
    )

    _create(slack)
    twice = slack.command("/oncall", f"create NIGHT {base}", user=ADMIN).text()
    assert "There is already a schedule named night" in twice
    backwards = slack.command(
        "/oncall", "override night <@UJOE> 2026-03-03T10:00 2026-03-03T09:00", user=JOE
    ).text()
    assert "An override must end after it starts (times are read in your timezone, " in backwards
    assert "Usage:" in backwards and ").\n" in backwards + "\n"
    past = slack.command("/oncall", "override night <@UJOE> 2026-03-01 2026-03-02", user=JOE)
    assert "That override would end in the past" in past.text()
    unknown = slack.command("/oncall", "show nigth", user=JOE).text()
    assert "There is no on-call schedule named `nigth`. Did you mean night?" in unknown


def test_admin_commands_and_overrides_of_others_are_for_admins(slack: SlackDriver) -> None:
    refused = slack.command("/oncall", f"create {NIGHT}".replace("@joe", ""), user=MARIA).text()
    assert "Only workspace admins and owners" in refused and "`/oncall create`" in refused
    _create(slack)
    for text in ("layer night <@UJOE> every=1d handover=08:00", "delete night", "config night"):
        assert "Only workspace admins" in slack.command("/oncall", text, user=MARIA).text()
    someone_else = slack.command("/oncall", "override night <@UJOE> now +2h", user=MARIA).text()
    assert "Only admins can put someone else on call" in someone_else
    assert "`/oncall override night me now +8h`" in someone_else
    me = slack.command("/oncall", "override night me +4h +1h", user=MARIA).text()
    assert "<@UMARIA> is on call in *night* from <!date^" in me  # "me" is the caller
    herself = slack.command("/oncall", "override night <@UMARIA> now +2h", user=MARIA).text()
    assert "<@UMARIA> is on call in *night* from <!date^1772438400^" in herself
    assert "to <!date^1772445600^" in herself  # 10:00 UTC
    by_admin = slack.command("/oncall", "override night <@UJOE> +3h +1h", user=ADMIN).text()
    assert "<@UJOE> is on call in *night* from <!date^1772449200^" in by_admin


def test_override_times_are_read_in_the_callers_timezone(slack: SlackDriver) -> None:
    _create(slack)
    # Maria is in Chicago (UTC-6 in March before DST): 18:00 there is 00:00 UTC.
    reply = slack.command(
        "/oncall", "override night <@UMARIA> 2026-03-03 18:00 2026-03-04T06:00", user=MARIA
    ).text()
    assert "from <!date^1772582400^" in reply and "to <!date^1772625600^" in reply


def test_overrides_list_remove_and_coverage_after(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    slack.command(
        "/oncall", "create day <@UJOE> every=1d handover=08:00 tz=UTC hours=08:00-20:00", user=ADMIN
    )
    # Read in Ada's timezone, Berlin: 19:00 UTC to 07:00 UTC.
    slack.command("/oncall", "override day <@UMARIA> 2026-03-02T20:00 2026-03-03T08:00", user=ADMIN)
    listed = slack.command("/oncall", "overrides day", user=JOE)
    assert "<@UMARIA> · <!date^1772478000^" in listed.text()
    [remove] = _buttons(listed.json, ActionId.ONCALL_OVERRIDE_REMOVE)
    assert remove["confirm"]["title"]["text"] == "Remove this override?"

    # Joe is neither in it nor its author: refused. Maria is in it: removed.
    slack.click(ActionId.ONCALL_OVERRIDE_REMOVE, user=JOE, value=remove["value"], channel=JOE)
    slack.click(ActionId.ONCALL_OVERRIDE_REMOVE, user=MARIA, value=remove["value"], channel=MARIA)
    slack.click(ActionId.ONCALL_OVERRIDE_REMOVE, user=MARIA, value=remove["value"], channel=MARIA)
    settle(runtime)
    answers = [c.blocks_text() for c in fake_slack.calls_to("response_url")]
    assert "Only the person in an override, whoever added it, or an admin" in answers[0]
    assert "Removed the override of <@UMARIA> in *day*" in answers[1]
    assert "*Nobody is on call* in 14 gaps" in answers[1]
    assert "That override was already removed." in answers[2]
    assert "None ahead." in slack.command("/oncall", "overrides day", user=JOE).text()


def test_delete_asks_first(slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime) -> None:
    _create(slack)
    asked = slack.command("/oncall", "delete night", user=ADMIN)
    assert "Delete the on-call schedule *night*" in asked.text()
    [confirm] = _buttons(asked.json, ActionId.ONCALL_DELETE_CONFIRM)
    [cancel] = _buttons(asked.json, ActionId.ONCALL_DELETE_CANCEL)
    slack.click(ActionId.ONCALL_DELETE_CANCEL, user=ADMIN, value=cancel["value"], channel=ADMIN)
    assert "night" in slack.command("/oncall", "", user=JOE).text()
    slack.click(ActionId.ONCALL_DELETE_CONFIRM, user=MARIA, value=confirm["value"], channel=MARIA)
    slack.click(ActionId.ONCALL_DELETE_CONFIRM, user=ADMIN, value=confirm["value"], channel=ADMIN)
    settle(runtime)
    answers = [c.blocks_text() for c in fake_slack.calls_to("response_url")]
    assert "*night* stays as it is" in answers[0]
    assert "Only workspace admins" in answers[1]
    assert "Deleted the on-call schedule *night*" in answers[2]
    assert "There are no on-call schedules yet" in slack.command("/oncall", "", user=JOE).text()


def test_config_is_stored_and_shown(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    fake_slack.add_usergroup("S0NIGHT", "night")
    _create(slack)
    shown = slack.command("/oncall", "config night", user=ADMIN).text()
    assert "no channel" in shown and "Handover sent 15m before" in shown
    saved = slack.command(
        "/oncall",
        f"config night channel=<#{OPS_CHANNEL}|ops> usergroup=<!subteam^S0NIGHT|@night> notice=30m",
        user=ADMIN,
    ).text()
    assert "Saved. *night*" in saved and f"<#{OPS_CHANNEL}>" in saved
    assert "<!subteam^S0NIGHT>" in saved and "Handover sent 30m before" in saved
    bad = slack.command("/oncall", "config night usergroup=@night", user=ADMIN).text()
    assert "`@night` is not a user group I know" in bad and "Usage:" in bad


# -- /oncall show --------------------------------------------------------------------------


def test_show_lists_shifts_and_gaps_and_its_timeline_is_private_until_shared(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[str] = []
    real = oncall_chart.in_chart_process

    def through_the_pool(function: Any, **kwargs: Any) -> Any:
        drawn.append(function.__name__)
        return real(function, **kwargs)

    monkeypatch.setattr(oncall_chart, "in_chart_process", through_the_pool)
    slack.command(
        "/oncall", "create day <@UJOE> every=1d handover=08:00 tz=UTC hours=08:00-20:00", user=ADMIN
    )
    slack.command(
        "/oncall",
        "layer day <@UMARIA> every=1d handover=20:00 days=mon-fri hours=20:00-23:00",
        user=ADMIN,
    )
    reply = slack.command("/oncall", "show day 30d", user=MARIA, channel=OPS_CHANNEL)
    text = reply.text()
    assert "day: the next 30 days" in text
    assert "• <@UJOE> · <!date^1772438400^" in text  # from now, 08:00
    assert "• <@UMARIA> · <!date^1772481600^" in text  # 20:00-23:00
    assert ":warning: _nobody on call_" in text and "*Gaps* (nobody on call)" in text
    assert "more shifts: the timeline shows them all" in text
    assert "… and" in text.split("*Gaps*")[1]
    assert len(reply.json["blocks"]) <= 50
    assert "Drawing the timeline" in text
    settle(runtime)

    assert drawn == ["render_timeline"]
    assert kpi_chart.in_chart_process(os.getpid) != os.getpid()  # the drawing process
    [upload] = fake_slack.calls_to("files.completeUploadExternal")
    assert not upload.get("channel_id") and not fake_slack.messages_in(OPS_CHANNEL)
    png = fake_slack.upload_bytes(upload["files"][0]["id"])
    assert png.startswith(PNG_MAGIC)
    width, height = struct.unpack(">II", png[16:24])
    assert width == 1200 and 300 <= height <= 500  # two layers and the final row
    [shown] = fake_slack.calls_to("response_url")
    assert shown["replace_original"] is True
    assert any(b["type"] == "image" for b in shown["blocks"])
    [share] = _buttons(shown, ActionId.ONCALL_SHOW_SHARE)

    slack.click(ActionId.ONCALL_SHOW_SHARE, user=MARIA, value=share["value"], channel=OPS_CHANNEL)
    settle(runtime)
    [post] = fake_slack.messages_in(OPS_CHANNEL)
    posted = ApiCall("post", post).blocks_text()
    assert "Shared by <@UMARIA>" in posted and "<@UJOE>" not in posted  # named, not pinged
    assert "*UJOE*" in posted or "*joe*" in posted
    assert "Shared in" in fake_slack.calls_to("response_url")[-1].blocks_text()

    # A second press of the same Share posts nothing more and says it was shared.
    again = slack.click(
        ActionId.ONCALL_SHOW_SHARE, user=MARIA, value=share["value"], channel=OPS_CHANNEL
    )
    settle(runtime)
    assert len(fake_slack.messages_in(OPS_CHANNEL)) == 1
    assert "already shared" in fake_slack.calls_to("response_url")[-1].blocks_text() or (
        "already shared" in json.dumps(again.json)
    )


def test_the_timeline_png_is_readable_at_preview_size() -> None:
    from datetime import UTC, date, datetime, time
    from zoneinfo import ZoneInfo

    from bot.services import rotation

    layer = rotation.Layer(("UA", "UB"), timedelta(hours=12), time(7), date(2026, 3, 2))
    schedule = rotation.Schedule(ZoneInfo("America/Chicago"), (layer, layer, layer))
    start = datetime(2026, 3, 2, 8, tzinfo=UTC)
    rows = oncall_chart.timeline_rows(
        schedule, start, start + timedelta(days=7), layer_names=["1", "2", "3"]
    )
    png = oncall_chart.timeline_png(
        title="t", rows=rows, names={}, start=start, end=start + timedelta(days=7), zone="UTC"
    )
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1200, int(oncall_chart.figure_height(4, 2) * 120))
    # Each person is named in their blocks where the name fits (cut with … where it does
    # not), and in the legend.
    assert oncall_chart.fitted_label("Maria Lopez", width_px=200) == "Maria Lopez"
    assert oncall_chart.fitted_label("Maria Lopez", width_px=60) == "Maria…"
    assert oncall_chart.fitted_label("Maria Lopez", width_px=20) is None


# -- escalation chains with schedules ------------------------------------------------------


def _chain(slack: SlackDriver, levels: str) -> str:
    slack.command("/escalate", f"config channel <#{OPS_CHANNEL}|ops>", user=ADMIN)
    return slack.command("/escalate", f"config oncall {levels}", user=ADMIN).text()


def _owner(runtime: Runtime, number: int) -> tuple[str | None, int]:
    with runtime.db.session() as session:
        escalation = escalations.get_escalation(session, team_id=TEAM, number=number)
        return escalation.assignee_id, escalation.level


def test_config_names_the_schedule_and_who_is_on_it_now(slack: SlackDriver) -> None:
    _create(slack)
    saved = _chain(slack, "sev1 schedule:night <@UADMIN|ada>")
    assert "chain: 1. schedule night (now <@UJOE>) → 2. <@UADMIN>" in saved
    typo = slack.command("/escalate", "config oncall sev1 schedule:nigth", user=ADMIN).text()
    assert "There is no on-call schedule named `nigth`. Did you mean night?" in typo
    twice = slack.command("/escalate", "config oncall schedule:night schedule:NIGHT", user=ADMIN)
    assert "schedule:NIGHT is in the chain twice" in twice.text()


def test_a_schedule_level_pages_whoever_is_on_call_at_that_instant(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    _create(slack)
    _chain(slack, "schedule:night <@UADMIN|ada>")
    clock.advance(timedelta(hours=11, minutes=59, seconds=59))  # 19:59:59, Joe's last second
    slack.command("/escalate", "sev2 Dock 4 door stuck", user=ADMIN)
    clock.advance(timedelta(seconds=1))  # 20:00:00, Maria's first
    slack.command("/escalate", "sev2 Conveyor 2 down", user=ADMIN)
    settle(runtime)
    assert _owner(runtime, 1) == (JOE, 1) and _owner(runtime, 2) == (MARIA, 1)
    assert any("Dock 4" in t for t in dms_to(fake_slack, JOE))
    assert any("Conveyor 2" in t for t in dms_to(fake_slack, MARIA))
    assert not any("Conveyor 2" in t for t in dms_to(fake_slack, JOE))


def test_an_override_taken_a_minute_before_is_paged(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    _create(slack)
    _chain(slack, "schedule:night")
    slack.command("/oncall", "override night <@UADMIN> now +1h", user=ADMIN)
    clock.advance(timedelta(minutes=1))
    slack.command("/escalate", "sev1 Ammonia alarm", user=JOE)
    settle(runtime)
    assert _owner(runtime, 1) == (ADMIN, 1)


def test_nobody_on_call_falls_through_and_the_thread_says_so(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    _create(slack)
    slack.command(
        "/oncall",
        "create weekend <@UADMIN> every=1d handover=08:00 tz=UTC days=sat,sun",
        user=ADMIN,
    )
    _chain(slack, "sev3 <@UJOE|joe> schedule:weekend <@UMARIA|maria>")
    slack.command("/escalate", "sev3 Label printer jammed", user=ADMIN)
    settle(runtime)
    assert _owner(runtime, 1) == (JOE, 1)

    clock.advance(timedelta(minutes=60))  # the sev3 SLA: the next level is the empty schedule
    runtime.scheduler.tick()
    settle(runtime)
    assert _owner(runtime, 1) == (MARIA, 3)
    line = thread(fake_slack, channel_message(fake_slack))[-1]
    assert "escalated to level 3, <@UMARIA>" in line
    assert "weekend (level 2) has nobody on call now, so it was passed over." in line
    assert line.count("<@UMARIA>") == 1

    # Opened with the schedule first: it falls through at once, and the thread says so.
    _chain(slack, "sev2 schedule:weekend schedule:night")
    slack.command("/escalate", "sev2 Dock leveller broken", user=ADMIN)
    settle(runtime)
    assert _owner(runtime, 2) == (JOE, 2)
    opened = thread(fake_slack, channel_message(fake_slack, 2))[0]
    assert "paging level 2: <@UJOE>" in opened
    assert "weekend (level 1) has nobody on call now, so it was passed over." in opened
    assert opened.count("paging level 2: <@UJOE>") == 1 and opened.count("<@UJOE>") == 1

    # A raised severity pages the new chain's first level with someone on call.
    slack.command("/escalate", "severity ESC-1 sev2", user=ADMIN)
    settle(runtime)
    assert _owner(runtime, 1) == (JOE, 2)
    raised = thread(fake_slack, channel_message(fake_slack))[-1]
    assert "changed the severity (sev3 → sev2); paging level 2: <@UJOE>" in raised
    assert "weekend (level 1) has nobody on call now" in raised


# -- App Home ------------------------------------------------------------------------------


def test_home_shows_the_persons_next_shift(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    _create(slack)
    slack.open_home(user=MARIA)
    slack.open_home(user=JOE)
    slack.open_home(user=ADMIN)
    settle(runtime)
    views = {
        c["user_id"]: ApiCall("view", c["view"]).blocks_text()
        for c in fake_slack.calls_to("views.publish")
    }
    assert "Your next shift: night, <!date^1772481600^" in views[MARIA]
    assert "\u2013 <!date^1772524800^" in views[MARIA]
    assert "You are on call: night, until <!date^1772481600^" in views[JOE]
    assert "shift" not in views[ADMIN].lower().split("your operations overview")[-1][:200]
    assert oncall_messages.TIMELINE_MAKER in runtime.delivery.makers


# -- trial follow-ups --------------------------------------------------------------------------


def test_config_checks_the_user_group_with_slack_and_warns_when_shared(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.add_usergroup("S0NIGHT", "night-leads")
    _create(slack)
    _create(slack, NIGHT.replace("night", "day", 1))
    unknown = slack.command("/oncall", "config night usergroup=S0NOPE", user=ADMIN).text()
    assert "There is no user group `S0NOPE` in this workspace" in unknown
    assert "Nothing was saved." in unknown and "Saved." not in unknown
    assert (
        "none (`usergroup=@group`)" in slack.command("/oncall", "config night", user=ADMIN).text()
    )
    group = "usergroup=<!subteam^S0NIGHT|@night-leads>"
    saved = slack.command("/oncall", f"config night {group} notice=30", user=ADMIN).text()
    assert "Saved." in saved and "<!subteam^S0NIGHT>" in saved
    assert "Handover sent 30m before" in saved and "already keeps" not in saved
    shared = slack.command("/oncall", f"config day {group}", user=ADMIN).text()
    assert "Saved." in shared
    assert "night already keeps <!subteam^S0NIGHT> equal to whoever is on call there" in shared
    fake_slack.fail("usergroups.list", status=200, error="paid_teams_only")
    refused = slack.command("/oncall", f"config night {group}", user=ADMIN).text()
    assert "I could not check the user group with Slack: User groups need a paid" in refused


def test_create_names_who_never_takes_a_turn_and_says_the_days_in_words(
    slack: SlackDriver,
) -> None:
    created = _create(
        slack,
        "nights <@UJOE|joe> <@UMARIA|maria> every=12h handover=19:00 hours=19:00-07:00 tz=UTC",
    )
    assert (
        "<@UMARIA> never takes a turn: with turns of 12h and hours 19:00\u201307:00, their turns "
        "always fall outside the times this layer is active." in created
    )
    assert "<@UJOE> never" not in created
    weekend = slack.command(
        "/oncall", "layer nights <@UADMIN|ada> every=1d handover=07:00 days=sat,sun", user=ADMIN
    ).text()
    assert "on Saturday and Sunday (each day from 07:00 to 07:00 the next)" in weekend
    assert "sat,sun" not in weekend
    weekdays = _create(slack, "office <@UJOE|joe> every=1d handover=09:00 days=mon-fri tz=UTC")
    assert "on Monday to Friday" in weekdays and "never takes a turn" not in weekdays


def test_delete_takes_the_schedule_out_of_the_chains_that_name_it(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    _create(slack)
    _create(slack, "office <@UMARIA|maria> every=1d handover=09:00 tz=UTC")
    _chain(slack, "sev1 <@UJOE|joe> schedule:office")
    _chain(slack, "schedule:office schedule:night")
    asked = slack.command("/oncall", "delete office", user=ADMIN)
    assert (
        "It is in the sev1 chain (level 2) and the chain for every other severity (level 1): "
        "deleting it takes it out of those chains" in asked.text()
    )
    [confirm] = _buttons(asked.json, ActionId.ONCALL_DELETE_CONFIRM)
    slack.click(ActionId.ONCALL_DELETE_CONFIRM, user=ADMIN, value=confirm["value"], channel=ADMIN)
    settle(runtime)
    [answer] = [c.blocks_text() for c in fake_slack.calls_to("response_url")]
    assert "Deleted the on-call schedule *office*. It was taken out of the sev1 chain" in answer
    shown = slack.command("/escalate", "config", user=ADMIN).text()
    assert "office" not in shown
    assert "chain: 1. <@UJOE>" in shown and "chain: 1. schedule night (now <@UJOE>)" in shown
    # night moved up to level 1 of the chain for every other severity.
    night = slack.command("/oncall", "delete night", user=ADMIN).text()
    assert "It is in the chain for every other severity (level 1)" in night
    _create(slack, "spare <@UMARIA|maria> every=1d handover=09:00 tz=UTC")
    spare = slack.command("/oncall", "delete spare", user=ADMIN).text()
    assert "No escalation chain names it." in spare
