"""The demo's on-call morning at the console: Sam (night) hands over to Jamal (day) at 08:00
in `shift-leads`. Jamal gets the handover at 07:45 with Sam's note from the night, he
acknowledges it, #shift-leads gets the shift-change line at 08:00, and a new sev1 pages him
first; the demo's standup and huddle keep US holidays and the company's own days off."""

from __future__ import annotations

from tests.console.conftest import ScriptedConsole


def test_the_demo_morning_hands_over_from_the_night_to_the_day_lead(
    console: ScriptedConsole,
) -> None:
    shown = console.run("/oncall")
    assert "*shift-leads*: @sam until today at 08:00, then @jamal" in shown

    shown = console.run(":advance 15m")
    assert "▸ DM to @jamal\n  Handover: shift-leads" in shown
    assert "taking over from @sam" in shown
    assert "Dock 4 door sensor is flaky" in shown and "— @sam" in shown
    assert "[1 Acknowledge handover]" in shown
    assert "Shift change" not in shown

    shown = console.run(":as @jamal", ":click 1")
    assert ":white_check_mark: You acknowledged this handover" in shown
    assert "▸ DM to @sam\n  :white_check_mark: @jamal acknowledged your handover" in shown

    shown = console.run(":advance 15m")
    assert (
        "▸ #shift-leads\n  :arrows_counterclockwise: Shift change in *shift-leads*: @sam → @jamal"
        in shown
    )

    shown = console.run(":as @maria", "/escalate sev1 Fire alarm in dock 3")
    assert "▸ DM to @jamal\n  :rotating_light: You are on call for" in shown

    shown = console.run("/ops holidays")
    assert "*US public holidays and 2 company days off* · no standup in #shift-leads or" in shown
    assert "• Mon 25 May: Memorial Day" in shown
