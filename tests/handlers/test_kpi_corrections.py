"""Correcting KPI data through the real app with signed requests: `/kpi values` with Delete
for admins, `/kpi undo`, `/kpi edit`; every correction in the KPI's detail, and the KPI
channel told once when a correction changes what it was told."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.clock import ManualClock
from bot.ids import ActionId
from bot.runtime import Runtime
from bot.services import kpi_ingest, kpis
from bot.standin.driver import Reply, SlackDriver
from bot.standin.server import ApiCall, FakeSlack
from bot.web import create_web_app
from tests.conftest import ADMIN, JOE, MARIA, TEAM, settle

KPI_CHANNEL = "C0KPI"


def _kpi_channel(slack: SlackDriver) -> None:
    slack.command("/kpi", f"config channel <#{KPI_CHANNEL}|ops-kpis>", user=ADMIN)


def _channel_posts(fake_slack: FakeSlack) -> list[str]:
    return [
        call.blocks_text()
        for call in fake_slack.calls_to("chat.postMessage")
        if call.get("channel") == KPI_CHANNEL
    ]


def _delete_buttons(reply: Reply) -> list[dict[str, Any]]:
    return [
        block["accessory"]
        for block in reply.json["blocks"]
        if (block.get("accessory") or {}).get("action_id") == ActionId.KPI_VALUE_DELETE
    ]


def _responses(fake_slack: FakeSlack) -> list[ApiCall]:
    return fake_slack.calls_to("response_url")


def _record_days(slack: SlackDriver, clock: ManualClock, name: str, values: list[float]) -> None:
    """Record one value a day, the last one a day before now (the clock is put back)."""
    start = clock.now()
    for day, value in enumerate(values):
        clock.set(start - timedelta(days=len(values) - day))
        slack.command("/kpi", f"record {name} {value}", user=MARIA)
    clock.set(start)


def test_values_list_who_recorded_each_and_only_admins_delete(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    slack.command("/kpi", "add pick-rate target=140 unit=orders", user=ADMIN)
    with runtime.db.session() as session:
        kpi = kpis.find_kpi(session, team_id=TEAM, name="pick-rate")
        kpis.record_values(
            session,
            kpi=kpi,
            points=[(143.2, clock.now() - timedelta(days=2))],
            source="csv",
            recorded_by=None,
            now=clock.now(),
        )
    with runtime.db.session() as session:
        _row, token = kpi_ingest.create_token(session, team_id=TEAM, name="wms", now=clock.now())
    api = create_web_app(runtime).test_client()
    posted = api.post(
        "/api/v1/kpis/pick-rate/datapoints",
        json={"value": 141, "at": (clock.now() - timedelta(days=1)).isoformat()},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert posted.status_code == 201
    slack.command("/kpi", "record pick-rate 110", user=MARIA)

    mine = slack.command("/kpi", "values pick-rate", user=MARIA)
    shown = mine.text()
    assert "pick-rate: values, last 30 days" in shown
    assert shown.index("*110 orders*") < shown.index("*143.2 orders*")  # newest first
    assert f"*110 orders* · <@{MARIA}>" in shown and "*143.2 orders* · CSV import" in shown
    assert "*141 orders* · API token wms" in shown
    assert _delete_buttons(mine) == []
    assert "`/kpi undo pick-rate` takes back your own last value" in shown

    listed = slack.command("/kpi", "values pick-rate 7d", user=ADMIN)
    buttons = _delete_buttons(listed)
    assert len(buttons) == 3
    assert buttons[0]["confirm"]["confirm"]["text"] == "Delete"
    assert "Delete 110 orders (<!date^" in buttons[0]["confirm"]["text"]["text"]

    # Someone who is not an admin cannot press a button they were never shown.
    slack.click(ActionId.KPI_VALUE_DELETE, user=MARIA, value=buttons[0]["value"])
    refused = _responses(fake_slack)[-1]
    assert "Only workspace admins" in str(refused.params)
    assert "*110 orders*" in slack.command("/kpi", "values pick-rate", user=MARIA).text()

    slack.click(ActionId.KPI_VALUE_DELETE, user=ADMIN, value=buttons[0]["value"])
    deleted = _responses(fake_slack)[-1]
    assert deleted["replace_original"] is True
    text = deleted.blocks_text()
    assert "Deleted 110 orders of *pick-rate* (for <!date^" in text
    assert f", recorded by <@{MARIA}>)" in text
    assert "pick-rate is now *on target*: latest 141 orders" in text
    assert "*110 orders*" not in text and "*143.2 orders*" in text  # the list, again

    # A double click deletes once.
    slack.click(ActionId.KPI_VALUE_DELETE, user=ADMIN, value=buttons[0]["value"])
    assert "was already deleted" in str(_responses(fake_slack)[-1].params)

    detail = slack.command("/kpi", "pick-rate", user=MARIA).text()
    assert "*Changes*" in detail
    assert f"<@{ADMIN}> deleted 110 orders from <!date^" in detail
    assert f"(recorded by <@{MARIA}>)" in detail


def test_deleting_the_value_that_broke_a_control_rule_tells_the_channel_once(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    slack.command("/kpi", "add trailer-turn-time target=30 unit=min better=lower", user=ADMIN)
    _kpi_channel(slack)
    _record_days(slack, clock, "trailer-turn-time", [25, 26, 24, 25, 27, 25, 26, 24, 25, 26])
    slack.command("/kpi", "record trailer-turn-time 5", user=MARIA)
    settle(runtime)
    [alert] = _channel_posts(fake_slack)
    assert "Control rule broken: 1 point beyond the lower control limit" in alert

    listed = slack.command("/kpi", "values trailer-turn-time", user=ADMIN)
    five = next(b for b in _delete_buttons(listed) if " 5 min" in b["confirm"]["text"]["text"])
    slack.click(ActionId.KPI_VALUE_DELETE, user=ADMIN, value=five["value"])
    settle(runtime)
    posts = _channel_posts(fake_slack)
    assert len(posts) == 2
    assert "*trailer-turn-time is on target, with no control rule broken*: 26 min" in posts[1]
    assert f"A value was deleted by <@{ADMIN}>" in posts[1]
    told = _responses(fake_slack)[-1].blocks_text()
    assert f"The KPI channel <#{KPI_CHANNEL}> is being told." in told

    # Nothing more to say: another correction that changes nothing stays quiet.
    slack.command("/kpi", 'edit trailer-turn-time desc="Gate in to gate out"', user=ADMIN)
    settle(runtime)
    assert len(_channel_posts(fake_slack)) == 2


def test_undo_takes_back_your_own_last_value_within_the_hour(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    slack.command("/kpi", "add On-Time target=95 unit=%", user=ADMIN)
    _kpi_channel(slack)
    slack.command("/kpi", "record on-time 96", user=MARIA)
    slack.command("/kpi", "record on-time 91", user=JOE)  # off target: the channel hears
    settle(runtime)
    assert "*On-Time is off target*: 91%" in _channel_posts(fake_slack)[0]

    clock.advance(timedelta(minutes=30))
    undone = slack.command("/kpi", "undo on-time", user=JOE).text()
    assert "Removed your 91% of *On-Time* (for <!date^" in undone
    assert "On-Time is now *on target*: latest 96%" in undone
    settle(runtime)
    posts = _channel_posts(fake_slack)
    assert len(posts) == 2 and "On-Time is on target" in posts[1]
    assert f"A value was taken back by <@{JOE}>" in posts[1]

    nothing = slack.command("/kpi", "undo on-time", user=JOE).text()
    assert "You have not recorded a value of On-Time." in nothing
    assert "`/kpi values On-Time` lists every value" in nothing

    clock.advance(timedelta(minutes=61))
    late = slack.command("/kpi", "UNDO on-time", user=MARIA).text()
    assert "recorded more than an hour ago" in late and "an admin can delete" in late
    assert "*96%*" in slack.command("/kpi", "values on-time", user=MARIA).text()

    detail = slack.command("/kpi", "on-time", user=MARIA).text()
    assert f"<@{JOE}> took back 91% from <!date^" in detail


def test_edit_changes_the_definition_keeps_the_history_and_re_alerts(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    slack.command("/kpi", "add On-Time target=95 unit=% warn=93", user=ADMIN)
    slack.command("/kpi", "add dock-to-stock target=4 unit=h better=lower", user=ADMIN)
    _kpi_channel(slack)
    slack.command("/kpi", "record on-time 96", user=MARIA)

    refused = slack.command("/kpi", "edit on-time target=97", user=MARIA).text()
    assert "Only workspace admins" in refused
    edited = slack.command("/kpi", "edit on-time target=97%", user=ADMIN).text()
    assert "Changed *On-Time*: target 95% → 97%." in edited
    assert "On-Time is now *warning*: latest 96%" in edited
    settle(runtime)
    [alert] = _channel_posts(fake_slack)
    assert "*On-Time is warning*: 96%" in alert and "target ≥ 97%" in alert
    assert f"The definition was edited by <@{ADMIN}>" in alert

    wrong = slack.command("/kpi", "edit on-time warn=98", user=ADMIN).text()
    assert "warn must be below the target" in wrong.lower()
    taken = slack.command("/kpi", "edit on-time name=dock-to-stock", user=ADMIN).text()
    assert "There is already a KPI named dock-to-stock." in taken
    bad_unit = slack.command("/kpi", "edit on-time target=3.5h", user=ADMIN).text()
    assert "measured in %" in bad_unit

    renamed = slack.command(
        "/kpi", "edit on-time name=on-time-shipping warn=none every=4h", user=ADMIN
    ).text()
    assert "name On-Time → on-time-shipping" in renamed
    assert "warning 93% → none" in renamed and "expected every: learnt (1d) → 4h" in renamed
    gone = slack.command("/kpi", "on-time", user=MARIA).text()
    assert "There is no KPI named on-time. Did you mean on-time-shipping" in gone
    detail = slack.command("/kpi", "on-time-shipping", user=MARIA).text()
    assert "on-time-shipping, last 30 days" in detail
    assert f"<@{ADMIN}> changed target 95% → 97%" in detail
    assert "name On-Time → on-time-shipping" in detail
    assert "*Expected*\nevery 4h" in detail
    recorded = slack.command("/kpi", "record on-time-shipping 96.5", user=MARIA).text()
    assert "Recorded 96.5% for *on-time-shipping*" in recorded

    shown = slack.command("/kpi", "edit on-time-shipping", user=ADMIN).text()
    assert "*on-time-shipping*: target ≥ 97%, warning none" in shown
    assert "every 4h" in shown and "`/kpi edit on-time-shipping target=" in shown
    same = slack.command("/kpi", "edit on-time-shipping target=97", user=ADMIN).text()
    assert "Nothing changed" in same


def test_misspelt_subcommands_and_names_get_a_useful_answer(slack: SlackDriver) -> None:
    slack.command("/kpi", "add pick-rate target=140", user=ADMIN)
    typo = slack.command("/kpi", "recrod pick-rate 5", user=MARIA).text()
    assert "`recrod` is not a /kpi command. Did you mean `/kpi record pick-rate 5`?" in typo
    unknown = slack.command("/kpi", "undo trailer-turn-time", user=MARIA).text()
    assert "There is no KPI named trailer-turn-time" in unknown
    assert "not a period" not in unknown
    assert "Usage: `/kpi undo &lt;name&gt;`" in slack.command("/kpi", "undo", user=MARIA).text()
    every = slack.command("/kpi", "edit pick-rate every=often", user=ADMIN).text()
    assert "every must be how often a value is expected" in every
