"""User groups typed by handle in the console: `@shift-lead` becomes the mention Slack's client
sends, and a group shown without a label is named by its handle."""

from __future__ import annotations

from bot.demo import oncall as demo_oncall
from tests.console.conftest import ScriptedConsole


def test_a_user_group_is_picked_and_shown_by_its_handle(console: ScriptedConsole) -> None:
    name = demo_oncall.SCHEDULE
    shown = console.run(f"/oncall config {name} usergroup=@{demo_oncall.USERGROUP_HANDLE}")
    assert "is not a user group I know" not in shown
    assert "Saved." in shown
    assert f"User group kept equal to whoever is on call: @{demo_oncall.USERGROUP_HANDLE}" in shown
    assert "@group" not in shown
    unknown = console.run(f"/oncall config {name} usergroup=@no-such-group")
    assert "`@no-such-group` is not a user group I know" in unknown
