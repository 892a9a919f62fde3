"""How Slack's mrkdwn entities are shown at the console."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.console.render import Renderer
from bot.demo.seed import populate_standin
from bot.standin.server import FakeSlack

# Monday 7 December 2026, 13:30 UTC: 07:30 in Chicago, 14:30 in Berlin.
NOW = datetime(2026, 12, 7, 13, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def renderer(tmp_path_factory: pytest.TempPathFactory) -> Renderer:
    slack = FakeSlack(team_id="T0DEMO")
    populate_standin(slack)
    return Renderer(slack, output_dir=Path(tmp_path_factory.mktemp("out")), clock=ManualClock(NOW))


@pytest.mark.parametrize(
    ("mrkdwn", "shown"),
    [
        ("a &lt;b&gt; &amp; c", "a <b> & c"),
        ("&amp;lt;not a tag&amp;gt;", "&lt;not a tag&gt;"),
        ("<@UMARIA> and <@UJAMAL|jamal>", "@maria and @jamal"),
        ("<@UNKNOWN|ghost> <@UOTHER>", "@ghost @UOTHER"),
        ("<#C0HUDDLE> <#C0KPI|kpis> <#CNEW|new-one>", "#ops-huddle #ops-kpis #new-one"),
        ("<!here> <!channel>", "@here @channel"),
        (
            "<https://x.test/a?b=1&amp;c=2|Runbook &amp; more>",
            "Runbook & more (https://x.test/a?b=1&c=2)",
        ),
        ("<https://x.test/>", "https://x.test/"),
        ("<!date^1772458200^{date_short}|2 Mar 2026>", "2 Mar 2026"),
        ("<!subteam^S1|@leads>", "@leads"),
    ],
)
def test_entities_are_shown_as_people_read_them(
    renderer: Renderer, mrkdwn: str, shown: str
) -> None:
    assert renderer.display(mrkdwn) == shown


@pytest.mark.parametrize(
    ("mrkdwn", "reader", "shown"),
    [
        # 13:30 UTC is 14:30 for Lena in Berlin, 22:30 for Aiko in Tokyo.
        ("<!date^1796650200^{date_short_pretty} at {time}|x>", "ULENA", "today at 14:30"),
        ("<!date^1796650200^{date_short_pretty} at {time}|x>", "UAIKO", "today at 22:30"),
        ("<!date^1796563800^{date_short_pretty} at {time}|x>", "ULENA", "yesterday at 14:30"),
        ("<!date^1796736600^{date_short_pretty} at {time}|x>", "UMARIA", "tomorrow at 07:30"),
        ("<!date^1796477400^{date_short_pretty} at {time}|x>", "UMARIA", "Sat 5 Dec at 07:30"),
        ("<!date^1765114500^{date_short_pretty} at {time}|x>", "ULENA", "Sun 7 Dec 2025 at 14:35"),
        (
            "<!date^1796650200^{date_num} {time_secs} {date_long}|x>",
            "ULENA",
            ("2026-12-07 14:30:00 Monday 7 December 2026"),
        ),
        ("<!date^1796650200^{date_short_pretty} at {time}|fallback>", None, "fallback"),
        ("<!date^soon^{time}|fallback>", "ULENA", "fallback"),
    ],
)
def test_dates_are_formatted_for_their_reader(
    renderer: Renderer, mrkdwn: str, reader: str | None, shown: str
) -> None:
    assert renderer.display(mrkdwn, reader) == shown


def test_dm_channels_are_named_after_the_person(renderer: Renderer) -> None:
    assert renderer.channel("DPRIYA") == "DM with @priya"
