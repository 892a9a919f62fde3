"""`/kpi <name>` is for its caller alone, chart included, until they press Share: then the
answer and its chart go to the channel as one post, once. Signed requests through the real
app; what Slack was asked to do is read from the fake Slack's recorded calls."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.clock import ManualClock
from bot.ids import ActionId
from bot.models import Delivery
from bot.runtime import Runtime
from bot.standin.driver import SlackDriver
from bot.standin.server import ApiCall, FakeSlack
from tests.conftest import ADMIN, JOE, MARIA, OPS_CHANNEL, driver_for, settle

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ELSEWHERE = "C0ELSEWHERE"


def _on_time_with_values(slack: SlackDriver, clock: ManualClock) -> None:
    slack.command("/kpi", "add On-Time target=95 unit=% warn=93", user=ADMIN)
    start = clock.now()
    for day, value in enumerate([96, 97, 95.5]):
        clock.set(start - timedelta(days=3 - day))
        slack.command("/kpi", f"record on-time {value}", user=MARIA)
    clock.set(start)


def _image(call: ApiCall) -> dict[str, Any] | None:
    return next((b for b in call["blocks"] if b["type"] == "image"), None)


def _share_button(call: ApiCall) -> dict[str, Any]:
    [button] = [
        element
        for block in call["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == ActionId.KPI_SHARE
    ]
    return button


def _with_chart(fake_slack: FakeSlack) -> ApiCall:
    """The caller's reply once its chart is uploaded (it replaces the first one)."""
    [shown] = [c for c in fake_slack.calls_to("response_url") if _image(c) is not None]
    return shown


def _channel_posts(fake_slack: FakeSlack, channel: str) -> list[ApiCall]:
    return [c for c in fake_slack.calls_to("chat.postMessage") if c["channel"] == channel]


def _shared_uploads(fake_slack: FakeSlack) -> list[ApiCall]:
    """File uploads completed into a conversation (files.completeUploadExternal with a
    channel): the way a file is shown to everyone there."""
    return [
        c
        for c in fake_slack.calls_to("files.completeUploadExternal")
        if c.get("channel_id") or c.get("channels")
    ]


def test_a_lookup_and_its_chart_stay_private_until_shared_and_share_posts_once(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    _on_time_with_values(slack, clock)
    reply = slack.command("/kpi", "on-time", user=MARIA, channel=OPS_CHANNEL)
    assert reply.json.get("response_type", "ephemeral") == "ephemeral"  # Slack's default
    assert "On-Time, last 30 days" in reply.text() and "96.17%" in reply.text()
    assert "Drawing the chart; it appears here in a moment." in reply.text()
    settle(runtime)

    # The chart was uploaded into no conversation, and nothing went to the channel.
    [upload] = fake_slack.calls_to("files.completeUploadExternal")
    assert not _shared_uploads(fake_slack)
    assert not _channel_posts(fake_slack, OPS_CHANNEL) and not fake_slack.messages_in(OPS_CHANNEL)
    file_id = upload["files"][0]["id"]
    assert fake_slack.upload_bytes(file_id).startswith(PNG_MAGIC)
    # It was drawn for Maria, in her timezone.
    with runtime.db.session() as session:
        [drawn] = session.scalars(select(Delivery).where(Delivery.method == "files.upload"))
        assert json.loads(drawn.payload)["$make"]["args"]["tz"] == "America/Chicago"

    # Maria's reply was replaced by the same answer showing the chart, with Share.
    shown = _with_chart(fake_slack)
    assert shown["replace_original"] is True and shown["response_type"] == "ephemeral"
    assert _image(shown)["slack_file"] == {"id": file_id}  # type: ignore[index]
    assert "On-Time, last 30 days" in shown.blocks_text() and "96.17%" in shown.blocks_text()
    assert "Only you can see this answer." in shown.blocks_text()
    button = _share_button(shown)

    # Share, pressed twice: one post of the answer and the chart.
    slack.click(ActionId.KPI_SHARE, user=MARIA, value=button["value"], channel=OPS_CHANNEL)
    again = slack.click(ActionId.KPI_SHARE, user=MARIA, value=button["value"], channel=OPS_CHANNEL)
    assert again.status == 200
    settle(runtime)
    [post] = _channel_posts(fake_slack, OPS_CHANNEL)
    assert _image(post)["slack_file"] == {"id": file_id}  # type: ignore[index]
    assert "On-Time, last 30 days" in post.blocks_text() and "96.17%" in post.blocks_text()
    assert f"Shared by <@{MARIA}>." in post.blocks_text()
    assert not [b for b in post["blocks"] if b["type"] == "actions"]
    assert "Only you can see" not in post.blocks_text()
    assert not _shared_uploads(fake_slack)  # the post shows the chart uploaded for Maria

    # Maria's reply now says it was shared, without the button; her second press was told.
    replies = fake_slack.calls_to("response_url")
    told = [c for c in replies if "so I did not post it again" in c.blocks_text()]
    assert len(told) == 1 and told[0]["replace_original"] is False
    assert f"The same chart was shared in <#{OPS_CHANNEL}> <!date^1772438400^" in (
        told[0].blocks_text()
    )
    updated = replies[-1] if replies[-1] is not told[0] else replies[-2]
    assert updated["replace_original"] is True and _image(updated) is not None
    assert f"This chart was shared in <#{OPS_CHANNEL}>" in updated.blocks_text()
    assert not [b for b in updated["blocks"] if b["type"] == "actions"]

    # Joe looks the same KPI up a minute later: he learns it is in the channel already.
    clock.advance(timedelta(minutes=1))
    joe = slack.command("/kpi", "on-time", user=JOE, channel=OPS_CHANNEL).text()
    assert f"This chart was shared in <#{OPS_CHANNEL}> <!date^1772438400^" in joe


def test_a_double_click_arriving_at_once_shares_once(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    _on_time_with_values(slack, clock)
    slack.command("/kpi", "on-time 7d", user=MARIA, channel=OPS_CHANNEL)
    settle(runtime)
    value = _share_button(_with_chart(fake_slack))["value"]
    clicking = driver_for(runtime, fake_slack, deliver=False)
    with ThreadPoolExecutor(max_workers=2) as pool:
        clicks = [
            pool.submit(
                clicking.click, ActionId.KPI_SHARE, user=MARIA, value=value, channel=OPS_CHANNEL
            )
            for _ in range(2)
        ]
        assert [c.result().status for c in clicks] == [200, 200]
    settle(runtime)
    assert len(_channel_posts(fake_slack, OPS_CHANNEL)) == 1


def test_share_where_opsbot_cannot_post_says_why_privately_and_works_once_fixed(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    _on_time_with_values(slack, clock)
    slack.command("/kpi", "on-time", user=MARIA, channel=ELSEWHERE)
    settle(runtime)
    value = _share_button(_with_chart(fake_slack))["value"]
    fake_slack.fail("chat.postMessage", error="not_in_channel")
    slack.click(ActionId.KPI_SHARE, user=MARIA, value=value, channel=ELSEWHERE)
    settle(runtime)
    assert not fake_slack.messages_in(ELSEWHERE)
    refused = fake_slack.calls_to("response_url")[-1]
    assert refused["replace_original"] is False and refused["response_type"] == "ephemeral"
    assert (
        f"I could not share that in <#{ELSEWHERE}>: I am not a member of it. "
        "Invite me with `/invite @Opsbot`, then press Share again."
    ) in refused.blocks_text()
    # Not a DM about it, nor a word in any channel.
    assert not [c for c in fake_slack.calls_to("chat.postMessage")]

    # Invited, Maria presses Share again: it goes out.
    slack.click(ActionId.KPI_SHARE, user=MARIA, value=value, channel=ELSEWHERE)
    settle(runtime)
    [post] = _channel_posts(fake_slack, ELSEWHERE)
    assert _image(post) is not None and f"Shared by <@{MARIA}>." in post.blocks_text()


def test_share_in_a_direct_message_says_it_posts_in_channels(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    _on_time_with_values(slack, clock)
    dm_with_joe = "D0MARIAJOE"
    slack.command("/kpi", "on-time", user=MARIA, channel=dm_with_joe)
    settle(runtime)
    value = _share_button(_with_chart(fake_slack))["value"]
    slack.click(ActionId.KPI_SHARE, user=MARIA, value=value, channel=dm_with_joe)
    settle(runtime)
    told = fake_slack.calls_to("response_url")[-1]
    assert "this is a direct message, where I cannot post for everyone" in told.blocks_text()
    assert told["replace_original"] is False
    assert not fake_slack.calls_to("chat.postMessage")


def test_a_kpi_without_values_has_no_chart_to_draw(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    slack.command("/kpi", "add On-Time target=95 unit=%", user=ADMIN)
    reply = slack.command("/kpi", "on-time", user=MARIA, channel=OPS_CHANNEL).text()
    assert "nothing recorded yet" in reply and "Drawing the chart" not in reply
    settle(runtime)
    assert not fake_slack.calls_to("files.getUploadURLExternal")
    assert not fake_slack.calls_to("response_url")


def test_a_chart_that_cannot_be_uploaded_is_explained_in_the_reply(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    _on_time_with_values(slack, clock)
    fake_slack.fail("files.completeUploadExternal", error="file_uploads_disabled")
    slack.command("/kpi", "on-time", user=MARIA, channel=OPS_CHANNEL)
    settle(runtime)
    [replaced] = fake_slack.calls_to("response_url")
    assert replaced["replace_original"] is True and _image(replaced) is None
    assert "The chart could not be made this time" in replaced.blocks_text()
    assert "96.17%" in replaced.blocks_text()
    assert not [b for b in replaced["blocks"] if b["type"] == "actions"]


def test_a_chart_slack_is_still_processing_is_shown_when_it_is_ready(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    _on_time_with_values(slack, clock)
    # Slack processes an upload asynchronously: an image of it can be refused at first.
    fake_slack.fail("response_url", error="invalid_blocks")
    slack.command("/kpi", "on-time", user=MARIA, channel=OPS_CHANNEL)
    settle(runtime)
    assert not fake_slack.calls_to("response_url")
    clock.advance(timedelta(seconds=1))
    settle(runtime)
    shown = _with_chart(fake_slack)
    assert _image(shown) is not None and _share_button(shown)
