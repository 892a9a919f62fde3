"""A realistic morning in the demo workspace, scripted as a person would type it at the
console: Maria escalates, Jamal (on call) acknowledges it from his Home tab and records a pick
rate that puts the KPI off target, the clock runs to 07:45 and the daily huddle is posted in
#ops-huddle, and Maria's Home tab shows her morning."""

from __future__ import annotations

import re

from tests.console.conftest import ScriptedConsole


def _section(transcript: str, title: str) -> str:
    """From the `▸ <title>` line to the next `▸` line, prompt or clock step."""
    start = transcript.index(f"▸ {title}\n")
    following = re.search(r"\n(▸ |\[|── )", transcript[start + 1 :])
    return transcript[start : start + 1 + following.start()] if following else transcript[start:]


def test_a_morning_of_escalating_acknowledging_and_the_huddle(console: ScriptedConsole) -> None:
    # 07:30 Maria escalates; Jamal, level 1 of the chain, is paged.
    shown = console.run("/escalate sev2 Dock door 4 stuck")
    ref = re.search(r"\*(ESC-\d+)\* opened \(sev2 · high\): Dock door 4 stuck", shown)
    assert ref is not None, shown
    esc = ref.group(1)
    assert (
        f"▸ #ops-escalations\n  :large_orange_circle: *SEV2 · {esc}* — Dock door 4 stuck" in shown
    )
    assert f"▸ DM to @jamal\n  :rotating_light: You are on call for *{esc}*" in shown

    # Jamal opens his Home tab: the new escalation comes first, with its buttons.
    shown = console.run(":as @jamal", ":home")
    home = _section(shown, "Home tab of @jamal")
    assert "Your operations overview" in home
    assert f"*{esc}* · sev2 · open · opened today at 07:30 (<1m ago) · SLA ack due in 15m" in home
    assert "You own it · reported by @maria\n  [1 Acknowledge]  [2 Resolve]" in home
    assert "*:bar_chart: KPI scoreboard* · 2 of 14 off target, 3 warning" in home
    assert ":large_yellow_circle: *wms-on-time* 95.38% · target ≥ 97%" in home  # from the WMS
    assert "#shift-leads · Mon 2 Mar: :hourglass: not answered yet (reminder at 08:30" in home
    # Dates as Slack shows them to the reader, in their own timezone.
    assert "#ops-huddle · today at 07:45" in home

    # He acknowledges it there: the escalation's message, thread and Maria's DM follow.
    shown = console.run(":click 1")
    updated = _section(shown, "#ops-escalations · updated")
    assert f"*SEV2 · {esc}* — Dock door 4 stuck" in updated and "*Status* Acknowledged" in updated
    assert ":white_check_mark: Acknowledged by @jamal." in shown
    assert "▸ DM to @maria" in shown
    # His Home tab was published a moment ago, so the refresh waits for the next clock step.
    assert "Home tab" not in shown

    # The night's pick rate came in low: one alert goes to #ops-kpis, with its chart.
    shown = console.run("/kpi record pick-rate 120")
    assert ":red_circle: pick-rate is *off target*: latest 120 lines/h, target ≥ 140" in shown
    alert = _section(shown, "#ops-kpis")
    assert "*pick-rate is off target*: 120 lines/h" in alert
    assert "1 point beyond the lower control limit" in alert
    assert re.search(r"▸ #ops-kpis · file “pick-rate, last 30 days” saved to \S+\.png", shown)

    # The clock runs to 07:45: his Home tab catches up, and the huddle is posted.
    shown = console.run(":advance 15m")
    assert shown.index("── Mon 2 Mar 2026 07:35 CST ──") < shown.index("▸ Home tab of @jamal")
    refreshed = _section(shown, "Home tab of @jamal")
    assert f"*{esc}* · sev2 · acknowledged · opened today at 07:30 (5m ago)" in refreshed
    assert "(5m ago) · SLA acked in time (<1m)" in refreshed
    assert "[1 Acknowledge]" not in refreshed
    assert shown.index("── Mon 2 Mar 2026 07:45 CST ──") < shown.index("▸ #ops-huddle")
    huddle = _section(shown, "#ops-huddle")
    for heading in (
        "Daily huddle · Monday 2 March 2026",
        "*:dart: Needs attention today*",
        "*:bar_chart: KPI scoreboard*",
        "*:rotating_light: Open escalations*",
        "*:white_check_mark: Resolved since the last huddle*",
        "*:busts_in_silhouette: Standup*",
    ):
        assert heading in huddle, heading
    assert f"`sev2` *{esc}* Dock door 4 stuck · @jamal · open 15m" in huddle
    assert ":red_circle: *pick-rate* 120 lines/h · target ≥ 140 lines/h" in huddle
    assert "It is now Mon 2 Mar 2026 07:45 CST." in shown

    # Maria's Home tab: what she owns after the night's escalations, and what she reported.
    shown = console.run(":as @maria", ":home")
    home = _section(shown, "Home tab of @maria")
    assert f"*{esc}* · sev2 · acknowledged" in home
    assert "Owner @jamal · you reported it" in home
    assert home.count("You own it") >= 1 and ":warning: SLA breached" in home
    assert "#ops-huddle · tomorrow at 07:45" in home  # today's went out

    # Opened again at once: the tab as last published, its buttons still numbered.
    shown = console.run(":home")
    assert "▸ Home tab of @maria, as last published (Opsbot refreshes it at most every 5 " in shown
    assert "[1 Acknowledge]" in shown
    assert "Traceback" not in shown
