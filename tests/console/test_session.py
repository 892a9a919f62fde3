"""A scripted console session against the real app: what a person at the console types
and what they see."""

from __future__ import annotations

from tests.console.conftest import ScriptedConsole


def test_ops_help_is_shown_only_to_the_caller(console: ScriptedConsole) -> None:
    shown = console.run("/ops help")
    assert "@maria #general> /ops help" in shown
    assert "▸ Only visible to you" in shown
    assert "Opsbot help\n  ═══════════" in shown
    assert "`/escalate sev2 Dock door 4 stuck open`" in shown
    # Entities come back as typed: the template escapes <…>, the console shows it plainly.
    assert "DM me `escalate <what is wrong>`" in shown


def test_bad_command_gets_the_friendly_error_with_usage(console: ScriptedConsole) -> None:
    shown = console.run("/ops launch <!channel> & more")
    assert "`/ops launch <!channel> & more` is not an Opsbot command." in shown
    assert "Usage: `/ops help`" in shown
    assert "Traceback" not in shown


def test_unknown_and_unanswered_commands_say_so(console: ScriptedConsole) -> None:
    shown = console.run("/deploy now", "hello")
    assert "/deploy is not a valid command in this workspace" in shown
    assert "/ops, /escalate, /oncall, /kpi, /standup, /huddle, /report" in shown
    assert ":help for the console's commands" in shown


def test_switching_user_changes_who_types_and_their_clock(console: ScriptedConsole) -> None:
    shown = console.run(":as @lena", "/ops launch", ":as UJAMAL", ":as @nobody")
    assert "You are now @lena (Lena Fischer, Europe/Berlin)" in shown
    assert "[Mon 14:30 CET] @lena #general> /ops launch" in shown
    assert "You are now @jamal (Jamal Carter, America/Chicago)" in shown
    assert "[Mon 07:30 CST] @jamal #general>" in shown
    assert "There is no person `@nobody` here" in shown
    assert console.session.user == "UJAMAL"


def test_a_dm_reaches_the_app_as_a_signed_event(console: ScriptedConsole) -> None:
    shown = console.run(":dm hello <there>", ":dm")
    # Bolt verified the signature; the escalations feature answers any other DM with help.
    assert "▸ DM to @maria\n  Hi! I escalate issues" in shown
    assert "[1 Escalate this]" in shown
    assert "Usage: :dm <text>" in shown


def test_clock_moves_forward_in_the_users_timezone(console: ScriptedConsole) -> None:
    shown = console.run(":advance 2h", ":advance 1h30m", ":at 08:45", ":at 2026-03-02 08:00")
    assert "It is now Mon 2 Mar 2026 09:30 CST." in shown
    assert "It is now Mon 2 Mar 2026 11:00 CST." in shown
    assert "It is now Tue 3 Mar 2026 08:45 CST." in shown
    assert "The clock only moves forward; it is already Tue 3 Mar 2026 08:45 CST." in shown
    bad = console.run(":advance soon", ":advance 40d", ":at tomorrow")
    assert "`soon` is not a duration; use :advance 1d" in bad
    assert "The clock moves at most 31 days at a time." in bad
    assert "`tomorrow` is not a time; use :at 2026-03-02 08:45" in bad


def test_advancing_ticks_the_scheduler_at_every_step(console: ScriptedConsole) -> None:
    seen: list[str] = []
    console.workspace.runtime.scheduler.add_job(
        "probe", lambda now: seen.append(now.strftime("%H:%M"))
    )
    console.run(":advance 17m")
    # 13:30 UTC → 13:35, 13:40, 13:45, 13:47 (plus the tick after the input itself).
    assert seen[:4] == ["13:35", "13:40", "13:45", "13:47"]


def test_channels_and_users_list_the_workspace(console: ScriptedConsole) -> None:
    shown = console.run(":channels", ":in #ops-huddle", ":users", ":in #nowhere")
    assert "#general            C0GENERAL   ← slash commands go here" in shown
    assert "#ops-escalations    C0ESCALATE" in shown
    assert "Slash commands are now typed in #ops-huddle." in shown
    assert "@maria   Maria Lopez    Operations manager       America/Chicago      admin" in shown
    assert "@aiko    Aiko Tanaka    Transportation planner   Asia/Tokyo" in shown
    assert "There is no channel `#nowhere` here" in shown
    assert "@maria #ops-huddle>" in shown


def test_help_lists_the_console_commands(console: ScriptedConsole) -> None:
    shown = console.run(":help")
    for command in (":dm", ":as", ":click", ":advance", ":at", ":channels", ":users", ":quit"):
        assert command in shown
    assert console.session.handle(":quit") is False
