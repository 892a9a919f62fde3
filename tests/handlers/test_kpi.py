"""/kpi through the real app with signed requests; charts and alerts through the fake Slack."""

from __future__ import annotations

from bot.ids import ActionId
from bot.runtime import Runtime
from bot.standin.driver import SlackDriver, form_values
from bot.standin.server import FakeSlack
from tests.conftest import ADMIN, MARIA, OPS_CHANNEL

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
KPI_CHANNEL = "C0KPI"


def _add_on_time(slack: SlackDriver) -> None:
    reply = slack.command("/kpi", "add On-Time target=95 unit=% warn=93", user=ADMIN)
    assert "Added *On-Time*" in reply.text()


def test_help_and_bad_input_get_the_usage(slack: SlackDriver) -> None:
    shown = slack.command("/kpi", "HELP", user=MARIA).text()
    assert "/kpi record &lt;name&gt; &lt;value&gt;" in shown
    bad = slack.command("/kpi", "record on-time ninety", user=MARIA)
    assert bad.json["response_type"] == "ephemeral"
    assert "The value: `ninety` is not a number; write it like 97.5, 3,5 or 1,234.5." in bad.text()
    assert "Usage: `/kpi record &lt;name&gt; &lt;value&gt; [at=YYYY-MM-DD HH:MM|" in bad.text()
    period = slack.command("/kpi", "on-time 5y", user=MARIA).text()
    assert (
        "`5y` is too long: a period is at most a year; use 7d, 30d, 2w, 6m, 1y, 30 days, "
        "today, week or month." in period
    )


def test_only_admins_define_kpis(slack: SlackDriver) -> None:
    refused = slack.command("/kpi", "add pick-rate target=140", user=MARIA).text()
    assert "Only workspace admins and owners" in refused
    assert "No KPIs yet" in slack.command("/kpi", "", user=MARIA).text()


def test_record_then_scoreboard_and_unknown_names(slack: SlackDriver, runtime: Runtime) -> None:
    _add_on_time(slack)
    slack.command("/kpi", "add dock-to-stock target=4 unit=h better=lower", user=ADMIN)
    recorded = slack.command("/kpi", "record on-time 92.5", user=MARIA).text()
    assert "Recorded 92.5% for *On-Time*" in recorded
    assert "*off target*" in recorded and "No KPI channel is set" in recorded
    slack.command("/kpi", "record DOCK-TO-STOCK 3.5 at=2026-03-01T09:00", user=MARIA)
    future = slack.command("/kpi", "record on-time 99 at=2026-03-04", user=MARIA).text()
    assert "is in the future" in future
    board = slack.command("/kpi", "", user=MARIA).text()
    assert board.index("*On-Time* 92.5%") < board.index("*dock-to-stock* 3.5 h")
    assert ":red_circle: *On-Time*" in board and "target ≤ 4 h" in board
    unknown = slack.command("/kpi", "ontime 30d", user=MARIA).text()
    assert "There is no KPI named ontime. Did you mean On-Time" in unknown


def test_alerts_go_to_the_kpi_channel_once_per_change(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    _add_on_time(slack)
    refused = slack.command("/kpi", f"config channel <#{KPI_CHANNEL}|ops-kpis>", user=MARIA)
    assert "Only workspace admins" in refused.text()
    configured = slack.command("/kpi", f"config channel <#{KPI_CHANNEL}|ops-kpis>", user=ADMIN)
    assert f"KPI alerts go to <#{KPI_CHANNEL}>" in configured.text()
    slack.command("/kpi", "record on-time 96", user=MARIA)
    reply = slack.command("/kpi", "record on-time 91", user=MARIA)
    assert f"An alert is going to <#{KPI_CHANNEL}>" in reply.text()
    alert = fake_slack.wait_for("chat.postMessage", lambda c: c["channel"] == KPI_CHANNEL)[0]
    assert "*On-Time is off target*: 91% as of <!date^" in alert.blocks_text()
    assert "target ≥ 95%, warning ≥ 93%" in alert.blocks_text()
    chart = fake_slack.wait_for(
        "files.completeUploadExternal", lambda c: c["channel_id"] == KPI_CHANNEL
    )[0]
    assert fake_slack.upload_bytes(chart["files"][0]["id"]).startswith(PNG_MAGIC)
    slack.command("/kpi", "record on-time 90", user=MARIA)
    slack.command("/kpi", "record on-time 95.5", user=MARIA)
    posts = fake_slack.wait_for("chat.postMessage", lambda c: c["channel"] == KPI_CHANNEL, count=2)
    assert len(posts) == 2
    assert "*On-Time is back on target*" in posts[1].blocks_text()


def test_remove_asks_first_and_can_be_restored(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    _add_on_time(slack)
    confirm = slack.command("/kpi", "remove on-time", user=ADMIN)
    assert "Remove *On-Time*?" in confirm.text()
    button = confirm.json["blocks"][1]["elements"][0]
    assert button["action_id"] == ActionId.KPI_REMOVE_CONFIRM
    assert slack.click(ActionId.KPI_REMOVE_CONFIRM, user=MARIA, value=button["value"]).status == 200
    refused = fake_slack.wait_for("response_url")[0]
    assert "Only workspace admins" in str(refused.params)
    assert "*On-Time*" in slack.command("/kpi", "", user=MARIA).text()
    slack.click(ActionId.KPI_REMOVE_CONFIRM, user=ADMIN, value=button["value"])
    removed = fake_slack.wait_for("response_url", lambda c: "Removed" in str(c.params))[0]
    assert "`/kpi restore On-Time`" in str(removed.params)
    assert removed["replace_original"] is True
    assert "No KPIs yet" in slack.command("/kpi", "", user=MARIA).text()
    restored = slack.command("/kpi", "restore on-time", user=ADMIN).text()
    assert "Restored *On-Time*" in restored
    assert "*On-Time*" in slack.command("/kpi", "", user=MARIA).text()


def test_add_modal_validates_and_creates(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    assert slack.command("/kpi", "add", user=ADMIN, channel=OPS_CHANNEL).status == 200
    view = fake_slack.wait_for("views.open")[0]["view"]
    answers = {
        "name": "pick-rate",
        "target": "lots",
        "unit": "lines/h",
        "warn": None,
        "desc": None,
        "better": "higher",
        "owner": {"selected_user": MARIA},
    }
    bad = slack.submit(view, form_values(view, answers), user=ADMIN)
    assert bad.json["response_action"] == "errors"
    assert "`lots` is not a number" in bad.json["errors"]["target"]
    answers |= {"target": "140", "warn": "150"}
    wrong_side = slack.submit(view, form_values(view, answers), user=ADMIN)
    assert "Warn must be below the target" in wrong_side.json["errors"]["warn"]
    answers |= {"warn": "120"}
    assert slack.submit(view, form_values(view, answers), user=ADMIN).status == 200
    added = fake_slack.wait_for("chat.postEphemeral")[0]
    assert added["channel"] == OPS_CHANNEL
    assert "Added *pick-rate*: target ≥ 140 lines/h, warning ≥ 120 lines/h" in added.blocks_text()
    assert f"owner <@{MARIA}>" in added.blocks_text()
