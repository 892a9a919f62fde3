"""A `/kpi <name>` lookup in the console, as a person tries it: the answer at once, then the
same answer with the chart (a file saved to open) only for them, and Share posting both."""

from __future__ import annotations

import re
from pathlib import Path

from tests.console.conftest import ScriptedConsole


def test_a_lookup_shows_its_chart_privately_and_share_posts_it(console: ScriptedConsole) -> None:
    console.run(":in #general")
    shown = console.run("/kpi pick-rate 7d")
    first, _, replaced = shown.partition("▸ Only visible to you · replaces the message")
    assert "\n▸ Only visible to you\n" in first and "Drawing the chart" in first
    chart = re.search(r"\[image: pick-rate, last 7 days\] (F\w+) saved to (\S+\.png)", replaced)
    assert chart is not None and Path(chart.group(2)).read_bytes().startswith(b"\x89PNG")
    assert "[1 Share in channel]" in replaced
    assert "▸ #general" not in shown and "file “" not in shown  # nothing in the channel

    shared = console.run(":click 1")
    post = shared[shared.index("▸ #general\n") : shared.index("▸ Only visible to you")]
    assert "Shared by @maria." in post
    assert f"[image: pick-rate, last 7 days] {chart.group(1)} saved to" in post
    assert "This chart was shared in #general" in shared
    again = console.run("/kpi pick-rate 7d")
    assert "This chart was shared in #general" in again and "Share in channel" not in again
