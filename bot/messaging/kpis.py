"""KPIs in Slack beyond a command's reply: private lookup charts and their Share, and
alerts (with charts) to the KPI channel, queued in the outbox. Shared by the /kpi listeners,
the ingest API and the CLI import. Charts are drawn by the delivery worker, never in the
request.

A `/kpi <name>` lookup is private, chart included: the listener answers at once with the
figures; the chart is uploaded without being shared in any conversation, and when the
upload is done its recorder replaces that reply (through the command's response_url) with
the same answer showing the chart and a Share button. Share posts the answer and the chart
to the channel as one message."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.blocks import render
from bot.errors import NotFoundError
from bot.ids import ActionId
from bot.messaging.replies import reply_key, respond_privately
from bot.models import Kpi
from bot.services import kpi_lookups, kpi_plausibility, kpi_queries, kpis, outbox
from bot.services.kpi_chart import ChartSpan, chart_png

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.db import Database
    from bot.services.outbox import Outcome

log = logging.getLogger(__name__)

CHART_MAKER = "kpi-chart"
LOOKUP_CHART_RECORDER = "kpi-lookup-chart"
SHARE_RECORDER = "kpi-share"
# Slack accepts posts to an interaction's response_url for 30 minutes.
# What a channel Opsbot cannot post in means for the person who pressed Share.
SHARE_REFUSALS = {
    "not_in_channel": "I am not a member of it. Invite me with `/invite @Opsbot`, then press "
    "Share again.",
    "channel_not_found": "I cannot see it: it is private, or a conversation I am not part "
    "of. Invite me with `/invite @Opsbot`, then press Share again.",
    "is_archived": "it is archived.",
    "restricted_action": "it does not let apps post; a workspace admin can allow it.",
}


def _channel_key(team_id: str, channel: str) -> str:
    return f"channel:{team_id}:{channel}"


def queue_chart(
    session: Session,
    *,
    kpi: Kpi,
    period: kpis.Period,
    end: datetime,
    channel: str,
    now: datetime,
) -> None:
    """Queue the KPI's chart over `period` ending at `end` for `channel` (an alert's); it is
    drawn, in the workspace's default timezone, and uploaded by the delivery worker."""
    outbox.enqueue(
        session,
        team_id=kpi.team_id,
        key=_channel_key(kpi.team_id, channel),
        method="files.upload",
        channel_id=channel,
        payload={
            "channel": channel,
            "$make": {
                "name": CHART_MAKER,
                "args": {"kpi_id": kpi.id, "period": period.code, "end": end.isoformat()},
            },
        },
        now=now,
        description=f"chart of {kpi.name}",
    )


def chart_upload(
    db: Database,
    *,
    kpi_id: int,
    period: str,
    end: str,
    tz: str | None = None,
    default_zone: ZoneInfo,
) -> dict[str, Any]:
    """Delivery maker: the chart's PNG and names, for files_upload_v2. Its time axis is in
    `tz` (the reader's zone, an IANA name), else in `default_zone`."""
    ending = datetime.fromisoformat(end)
    span = kpis.parse_period(period) or kpis.DEFAULT_PERIOD
    zone = _zone(tz) or default_zone
    with db.session() as session:
        kpi = session.get(Kpi, kpi_id)
        if kpi is None:
            raise NotFoundError("That KPI no longer exists.")
        start = span.start(ending)
        times, values = kpis.period_values(session, kpi=kpi, start=start, end=ending)
        title = f"{kpi.name}, last {span.label}"
        # The axis ends at the next whole minute, like the period's start: lookups within a
        # minute draw the same picture, drawn once.
        axis_end = ending.replace(second=0, microsecond=0)
        if axis_end < ending:
            axis_end += timedelta(minutes=1)
        png = chart_png(
            kpi=kpi,
            span=ChartSpan(start=start, end=axis_end, zone=zone.key),
            times=times,
            values=values,
            title=title,
        )
        filename = f"{kpi.name_key}-{span.code}.png"
    return {"file": png, "filename": filename, "title": title}


def _zone(name: str | None) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


@dataclass(frozen=True)
class Lookup:
    """One `/kpi <name>` answer: which figures (the KPI, the period and when it ended), in
    which channel, for whom, and the chart uploaded for it once there is one. It travels in
    the Share button's value and the outbox's recorder arguments."""

    kpi_id: int
    period: str
    end: datetime
    channel: str
    user_id: str
    file_id: str | None = None

    def value(self) -> str:
        """The Share button's value (`kpi|period|end|file`)."""
        return "|".join([str(self.kpi_id), self.period, self.end.isoformat(), self.file_id or ""])

    @classmethod
    def of_value(cls, value: str, *, channel: str, user_id: str) -> Lookup:
        try:
            kpi_id, period, end, file_id = value.split("|")
            return cls(int(kpi_id), period, datetime.fromisoformat(end), channel, user_id, file_id)
        except ValueError:
            raise NotFoundError("That answer is too old to share; look the KPI up again.") from None

    def arg(self) -> dict[str, Any]:
        return {
            "kpi_id": self.kpi_id,
            "period": self.period,
            "end": self.end.isoformat(),
            "channel": self.channel,
            "user_id": self.user_id,
            "file_id": self.file_id,
        }

    @classmethod
    def of_arg(cls, arg: dict[str, Any]) -> Lookup:
        return cls(
            arg["kpi_id"],
            arg["period"],
            datetime.fromisoformat(arg["end"]),
            arg["channel"],
            arg["user_id"],
            arg.get("file_id"),
        )


def lookup_reply(
    session: Session,
    *,
    detail: kpis.KpiDetail,
    lookup: Lookup,
    now: datetime,
    chart: str,
    shared_by: str | None = None,
) -> dict[str, Any]:
    """The lookup's message: `chart` is "coming" (being drawn), "shown" (with the uploaded
    file and Share), "failed" or "none" (no values). A reply for the caller says when the
    same chart was shared in the channel recently; a shared one (`shared_by`) says who
    shared it."""
    shared_at = (
        None
        if shared_by
        else kpi_lookups.chart_shared_at(session, channel_id=lookup.channel, detail=detail, now=now)
    )
    return render(
        "messages/kpi_detail",
        d=detail,
        chart=chart,
        chart_file=lookup.file_id,
        share_value=lookup.value(),
        channel=lookup.channel,
        shared_at=shared_at,
        shared_by=shared_by,
        query=kpi_queries.query_of(session, kpi=detail.kpi),
        ActionId=ActionId,
    )


def answer_lookup(
    session: Session,
    *,
    detail: kpis.KpiDetail,
    channel: str,
    user_id: str,
    zone: ZoneInfo,
    response_url: str,
) -> dict[str, Any]:
    """A `/kpi <name>` answer for its caller alone: the figures now, and (when there are
    values) the chart drawn in the caller's `zone`, shown in this reply once uploaded."""
    lookup = Lookup(detail.kpi.id, detail.period.code, detail.end, channel, user_id)
    if not detail.count:
        return lookup_reply(session, detail=detail, lookup=lookup, now=detail.end, chart="none")
    queue_lookup_chart(
        session, detail=detail, lookup=lookup, zone=zone, response_url=response_url, now=detail.end
    )
    return lookup_reply(session, detail=detail, lookup=lookup, now=detail.end, chart="coming")


def queue_lookup_chart(
    session: Session,
    *,
    detail: kpis.KpiDetail,
    lookup: Lookup,
    zone: ZoneInfo,
    response_url: str,
    now: datetime,
) -> None:
    """Queue the private chart of a lookup: uploaded without sharing it anywhere, then shown
    in the caller's reply (`record_lookup_chart`). Its time axis is in the caller's `zone`."""
    outbox.enqueue(
        session,
        team_id=detail.kpi.team_id,
        key=reply_key(detail.kpi.team_id, lookup.user_id),
        method="files.upload",
        payload={
            "$make": {
                "name": CHART_MAKER,
                "args": {
                    "kpi_id": lookup.kpi_id,
                    "period": lookup.period,
                    "end": lookup.end.isoformat(),
                    "tz": zone.key,
                },
            },
        },
        now=now,
        recorder=LOOKUP_CHART_RECORDER,
        recorder_arg={**lookup.arg(), "response_url": response_url},
        description=f"chart of {detail.kpi.name} for a lookup",
    )


def _lookup_detail(
    session: Session, lookup: Lookup, *, team_id: str | None = None
) -> kpis.KpiDetail | None:
    """The lookup's figures again (as they were at its end), if its KPI is still there (in
    `team_id`, when given)."""
    kpi = session.get(Kpi, lookup.kpi_id)
    if kpi is None or team_id not in (None, kpi.team_id):
        return None
    period = kpis.parse_period(lookup.period) or kpis.DEFAULT_PERIOD
    return kpis.kpi_detail(session, kpi=kpi, period=period, now=lookup.end)


def record_lookup_chart(session: Session, arg: dict[str, Any], outcome: Outcome) -> None:
    """Recorder of a lookup's chart upload: replace the caller's reply with the answer
    showing the chart (the upload's result is the file id), or saying it could not be made."""
    lookup = Lookup.of_arg(arg)
    detail = _lookup_detail(session, lookup)
    if detail is None:
        return
    shown = replace(lookup, file_id=outcome.ts if outcome.ok else None)
    respond_privately(
        session,
        team_id=detail.kpi.team_id,
        user_id=shown.user_id,
        response_url=arg["response_url"],
        message=lookup_reply(
            session,
            detail=detail,
            lookup=shown,
            now=outcome.at,
            chart="shown" if outcome.ok and outcome.ts else "failed",
        ),
        replace_original=True,
        issued_at=lookup.end,
        now=outcome.at,
        description=f"lookup of {detail.kpi.name} with its chart",
    )


def share_lookup(
    session: Session, *, team_id: str, lookup: Lookup, response_url: str, now: datetime
) -> dict[str, Any] | None:
    """Share a lookup in its channel: its answer and chart as one post, queued, unless the
    same chart was shared there within `kpi_lookups.CHART_REPOST_AFTER` (a double click
    shares once). Returns what to tell the sharer at once, or None when the post is queued
    (`record_share` tells them how it went)."""
    if lookup.channel.startswith("D"):
        return render("messages/kpi_share_notice", event="dm", channel=lookup.channel)
    detail = _lookup_detail(session, lookup, team_id=team_id)
    if detail is None:
        raise NotFoundError("That KPI no longer exists.")
    shared_at = kpi_lookups.claim_chart_post(
        session, channel_id=lookup.channel, detail=detail, now=now
    )
    if shared_at is not None:
        return render(
            "messages/kpi_share_notice", event="already", channel=lookup.channel, at=shared_at
        )
    outbox.enqueue(
        session,
        team_id=team_id,
        key=_channel_key(team_id, lookup.channel),
        method="chat.postMessage",
        channel_id=lookup.channel,
        payload={
            "channel": lookup.channel,
            **lookup_reply(
                session,
                detail=detail,
                lookup=lookup,
                now=now,
                chart="shown" if lookup.file_id else "none",
                shared_by=lookup.user_id,
            ),
        },
        now=now,
        recorder=SHARE_RECORDER,
        recorder_arg={**lookup.arg(), "response_url": response_url, "claimed_at": now.isoformat()},
        description=f"{detail.kpi.name} shared from a lookup",
    )
    return None


def record_share(session: Session, arg: dict[str, Any], outcome: Outcome) -> None:
    """Recorder of a shared lookup: the sharer's reply then says it was shared (its Share
    button gone); a channel that refused it is explained to the sharer, and the turn to
    share is given back so that Share works once that is fixed."""
    lookup = Lookup.of_arg(arg)
    detail = _lookup_detail(session, lookup)
    if detail is None:
        return
    if outcome.ok:
        message = lookup_reply(session, detail=detail, lookup=lookup, now=outcome.at, chart="shown")
    else:
        kpi_lookups.release_chart_post(
            session,
            channel_id=lookup.channel,
            detail=detail,
            now=datetime.fromisoformat(arg["claimed_at"]),
        )
        error = outcome.error or "unknown"
        refusal = SHARE_REFUSALS.get(error)
        message = render(
            "messages/kpi_share_notice",
            event="refused",
            channel=lookup.channel,
            error=error,
            refusal=refusal,
            reason=outbox.reason_for(error),
        )
    respond_privately(
        session,
        team_id=detail.kpi.team_id,
        user_id=lookup.user_id,
        response_url=arg["response_url"],
        message=message,
        replace_original=outcome.ok,
        issued_at=datetime.fromisoformat(arg["claimed_at"]),
        now=outcome.at,
        description=f"outcome of sharing {detail.kpi.name}",
    )


def answer_record(
    session: Session, *, recorded: kpis.Recorded, value: float, at: datetime, now: datetime
) -> dict[str, Any]:
    """The caller's reply to a value they recorded; the alert it caused (if any) is queued
    for the KPI channel."""
    post_alerts(session, [recorded.alert], now=now)
    return render(
        "messages/kpi_recorded",
        r=recorded,
        value=value,
        at=at,
        channel=kpis.kpi_channel(session, team_id=recorded.kpi.team_id),
    )


def ask_to_confirm(
    session: Session, *, kpi: Kpi, value: float, at: datetime
) -> dict[str, Any] | None:
    """When `value` looks like a typo for `kpi`: the private question "Record … anyway?"
    with its button (nothing is stored yet); None when it looks plausible."""
    doubt = kpi_plausibility.doubt(session, kpi=kpi, value=value)
    if doubt is None:
        return None
    return render(
        "messages/kpi_doubt",
        kpi=kpi,
        value=value,
        at=at,
        doubt=doubt,
        button_value=f"{kpi.id}|{value!r}|{at.isoformat()}",
        ActionId=ActionId,
    )


def confirmed_value(button_value: str) -> tuple[int, float, datetime] | None:
    """The KPI id, value and time in a Record anyway button; None when it is not one."""
    kpi_id, _, rest = button_value.partition("|")
    value, _, at = rest.partition("|")
    try:
        return int(kpi_id), float(value), datetime.fromisoformat(at)
    except ValueError:
        return None


def post_alerts(session: Session, alerts: Iterable[kpis.Alert | None], *, now: datetime) -> int:
    """Queue each alert (with its chart) for its workspace's KPI channel; returns how many,
    its times shown in each reader's zone. Without a KPI channel there is nowhere to post
    (logged)."""
    sent = 0
    for alert in alerts:
        if alert is None:
            continue
        channel = kpis.kpi_channel(session, team_id=alert.team_id)
        if channel is None:
            log.info("no KPI channel in %s; alert for %s not posted", alert.team_id, alert.name)
            continue
        outbox.enqueue(
            session,
            team_id=alert.team_id,
            key=_channel_key(alert.team_id, channel),
            method="chat.postMessage",
            channel_id=channel,
            payload={"channel": channel, **render("messages/kpi_alert", alert=alert)},
            now=now,
            description=f"alert for {alert.name}",
        )
        if not alert.recovered:
            kpi = session.get(Kpi, alert.kpi_id)
            assert kpi is not None
            queue_chart(
                session, kpi=kpi, period=kpis.DEFAULT_PERIOD, end=alert.at, channel=channel, now=now
            )
        sent += 1
    return sent
