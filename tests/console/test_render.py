"""How Slack's mrkdwn entities are shown at the console."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.console.render import Renderer
from bot.demo.seed import populate_standin
from bot.standin.server import FakeSlack


@pytest.fixture(scope="module")
def renderer(tmp_path_factory: pytest.TempPathFactory) -> Renderer:
    slack = FakeSlack(team_id="T0DEMO")
    populate_standin(slack)
    return Renderer(slack, output_dir=Path(tmp_path_factory.mktemp("out")))


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


def test_dm_channels_are_named_after_the_person(renderer: Renderer) -> None:
    assert renderer.channel("DPRIYA") == "DM with @priya"
