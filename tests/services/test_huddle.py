"""The huddle post on known data: every section, the attention ranking, summaries that keep
any amount of data within Slack's limits, and where "since the last huddle" starts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from bot.blocks import render
from bot.db import Database
from bot.services import huddle, ledger
from bot.services.huddle import (
    Blocker,
    HuddleSources,
    KpiLine,
    KpiStatus,
    OpenEscalation,
    ResolvedEscalation,
    StandupSummary,
)
from bot.services.ledger import PostKey
from bot.standin.server import ApiCall
from tests.conftest import ADMIN, OTHER_TEAM, TEAM

NOW = datetime(2026, 3, 2, 13, 45, tzinfo=UTC)  # 07:45 in Chicago
HOUR = timedelta(hours=1)

KPIS = [
    KpiLine("Pick rate", 150, "lines/h", 140, KpiStatus.ON_TARGET, 4),
    KpiLine("On-time shipping", 80, "%", 95, KpiStatus.OFF_TARGET, -3.5),
    KpiLine("Dock-to-stock", 4.4, "h", 4, KpiStatus.WARNING, 0, better="lower"),
    KpiLine("Mispicks", 0.8, "%", 0.75, KpiStatus.OFF_TARGET, 0.05, better="lower"),
    KpiLine("Returns backlog", None, "", 50, KpiStatus.NO_DATA, None),
]
OPEN = [
    OpenEscalation(
        "ESC-7", 3, "Label printer jams", "UJOE", NOW - 30 * HOUR, NOW - 29 * HOUR, True
    ),
    OpenEscalation(
        "ESC-9",
        1,
        "Dock door 4 <stuck> & open",
        None,
        NOW - 2 * HOUR,
        NOW - 2 * HOUR + timedelta(minutes=5),
        True,
    ),
    OpenEscalation(
        "ESC-10",
        2,
        "Conveyor slow",
        "UMARIA",
        NOW - HOUR,
        NOW + timedelta(minutes=15),
        False,
    ),
    OpenEscalation("ESC-11", 4, "Break room fridge", "UJOE", NOW - 3 * HOUR, None, False),
]
RESOLVED = [
    ResolvedEscalation(
        "ESC-5", 2, "WMS login errors", NOW - 10 * HOUR, NOW - 9 * HOUR, NOW - 8 * HOUR
    ),
    ResolvedEscalation("ESC-6", 2, "Scanner batteries", NOW - 6 * HOUR, None, NOW - 2 * HOUR),
    ResolvedEscalation(
        "ESC-8",
        1,
        "Power dip",
        NOW - 5 * HOUR,
        NOW - 5 * HOUR + timedelta(minutes=4),
        NOW - 4 * HOUR - timedelta(minutes=30),
    ),
]
STANDUP = StandupSummary(
    answered=["UMARIA", "UJOE", "UPRIYA"],
    missing=["USAM"],
    blockers=[
        Blocker("UJOE", "Waiting on forklift parts", NOW - timedelta(days=3, hours=2)),
        Blocker("UPRIYA", "Cycle count access", NOW - 5 * HOUR),
    ],
)


def fixed(data: object):  # type: ignore[no-untyped-def]
    def source(session: Session, *, team_id: str, now: datetime, since: datetime) -> object:
        return data

    return source


def all_sources() -> HuddleSources:
    return HuddleSources(
        kpis=fixed(KPIS),
        open_escalations=fixed(OPEN),
        resolved_escalations=fixed(RESOLVED),
        standup=fixed(STANDUP),
    )


def build(db: Database, sources: HuddleSources, *, now: datetime = NOW) -> huddle.Huddle:
    with db.session() as session:
        return huddle.build_huddle(
            session,
            team_id=TEAM,
            channel_id="C0HUDDLE",
            tz="America/Chicago",
            now=now,
            sources=sources,
        )


def section_texts(message: dict) -> list[str]:  # type: ignore[type-arg]
    return [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]


def test_every_section_on_a_known_data_set(db: Database) -> None:
    message = render("messages/huddle", huddle=build(db, all_sources()), preview=False)
    assert message["text"] == (
        "Daily huddle for Monday 2 March 2026: 2 of 5 KPIs off target, "
        "4 open escalations (2 past SLA), 3 resolved, standup 3/4 answered."
    )
    shown = ApiCall("post", message).blocks_text()
    assert "Daily huddle · Monday 2 March 2026" in shown
    # The huddle's day is Chicago's; the moment it looks back to is shown in the reader's zone.
    assert (
        "<#C0HUDDLE> · day in America/Chicago · "
        "since <!date^1772372700^{date_short_pretty} at {time}|Sun 1 Mar 13:45 UTC>"
    ) in shown
    attention, kpis, open_, resolved, standup = section_texts(message)
    assert attention == (
        "*:dart: Needs attention today*\n"
        "1. *ESC-9 (sev1) Dock door 4 &lt;stuck&gt; &amp; open*, not acknowledged, "
        "past its SLA by 1h 55m\n"
        "2. *ESC-10 (sev2) Conveyor slow*, not acknowledged yet, SLA in 15m\n"
        "3. *ESC-7 (sev3) Label printer jams*, past its SLA by 1d 5h"
    )
    assert kpis.splitlines() == [
        "*:bar_chart: KPI scoreboard* · 2 of 5 off target, 1 warning",
        ":red_circle: *On-time shipping* 80% · target ≥ 95% · ↓ 3.5% since the last value",
        ":red_circle: *Mispicks* 0.8% · target ≤ 0.75% · ↑ 0.05% since the last value",
        ":large_yellow_circle: *Dock-to-stock* 4.4 h · target ≤ 4 h · "
        "→ no change since the last value",
        ":large_green_circle: *Pick rate* 150 lines/h · target ≥ 140 lines/h · "
        "↑ 4 lines/h since the last value",
        ":white_circle: *Returns backlog* no data · target ≥ 50",
    ]
    assert open_.splitlines() == [
        "*:rotating_light: Open escalations* · 4 open (sev1 1 · sev2 1 · sev3 1 · sev4 1), "
        "*2 past SLA*",
        "Oldest: ESC-7, open 1d 6h",
        "`sev1` *ESC-9* Dock door 4 &lt;stuck&gt; &amp; open · unassigned · open 2h · "
        ":warning: past SLA by 1h 55m",
        "`sev2` *ESC-10* Conveyor slow · <@UMARIA> · open 1h",
        "`sev3` *ESC-7* Label printer jams · <@UJOE> · open 1d 6h · :warning: past SLA by 1d 5h",
        "`sev4` *ESC-11* Break room fridge · <@UJOE> · open 3h",
    ]
    assert resolved.splitlines() == [
        "*:white_check_mark: Resolved since the last huddle* · 3 resolved · MTTR 2h 10m "
        "(sev1 30m · sev2 3h) · MTTA 32m",
        "`sev1` *ESC-8* Power dip · resolved in 30m",
        "`sev2` *ESC-5* WMS login errors · resolved in 2h",
        "`sev2` *ESC-6* Scanner batteries · resolved in 4h",
    ]
    assert standup.splitlines() == [
        "*:busts_in_silhouette: Standup* · 3 of 4 answered (75%)",
        "No answer yet: <@USAM>",
        "*Open blockers (2)*",
        "• <@UJOE>: Waiting on forklift parts · 3d 2h",
        "• <@UPRIYA>: Cycle count access · 5h",
    ]


def test_sections_without_a_source_say_no_data_yet(db: Database) -> None:
    message = render("messages/huddle", huddle=build(db, HuddleSources()), preview=False)
    assert message["text"] == "Daily huddle for Monday 2 March 2026."
    attention, *sections = section_texts(message)
    assert "Nothing urgent" in attention
    assert len(sections) == 4
    assert all("_No data yet:" in text for text in sections)


def test_empty_data_says_there_is_nothing_to_report(db: Database) -> None:
    empty = HuddleSources(
        kpis=fixed([]),
        open_escalations=fixed([]),
        resolved_escalations=fixed([]),
        standup=fixed(StandupSummary(answered=[], missing=[])),
    )
    shown = ApiCall("post", render("messages/huddle", huddle=build(db, empty))).blocks_text()
    assert "No KPIs are set up yet." in shown
    assert "No open escalations." in shown
    assert "Nothing resolved since the last huddle." in shown
    assert "Nobody takes part in the standup yet." in shown
    assert "No data yet" not in shown


def test_attention_ranking_follows_the_written_rule() -> None:
    items = huddle.rank_attention(
        now=NOW,
        kpis=[
            KpiLine("Near miss", 92, "%", 95, KpiStatus.OFF_TARGET),  # 3 % off: not far
            KpiLine("Far off", 60, "%", 100, KpiStatus.OFF_TARGET),  # 40 %: 8 points
            KpiLine("Warning only", 50, "%", 100, KpiStatus.WARNING),  # not off target
        ],
        open_escalations=[
            OpenEscalation("ESC-1", 1, "a", None, NOW - 3 * HOUR, NOW - HOUR, True),  # 8 points
            OpenEscalation("ESC-2", 4, "b", None, NOW - 9 * HOUR, NOW - 7 * HOUR, True),  # 7
            OpenEscalation("ESC-3", 1, "c", None, NOW - HOUR, NOW + HOUR, False),  # in SLA
        ],
        blockers=[
            Blocker("UJOE", "young", NOW - 20 * HOUR),  # under a day
            Blocker("UJOE", "old", NOW - timedelta(days=5)),  # 10 points
        ],
        limit=5,
    )
    # The open sev1s first, whatever their points; then the rest by points.
    assert [(i.kind, i.title, i.score) for i in items] == [
        ("escalation", "ESC-1 (sev1) a", 8.0),
        ("escalation", "ESC-3 (sev1) c", 0.0),
        ("blocker", "old", 10.0),
        ("kpi", "Far off", 8.0),
        ("escalation", "ESC-2 (sev4) b", 7.0),
    ]
    assert items[3].detail == "40% off target"


def test_any_amount_of_data_fits_one_message(db: Database) -> None:
    long = "Very long summary with <tags> & ampersands " * 10
    sources = HuddleSources(
        kpis=fixed(
            [
                KpiLine(f"KPI {n} {long}", n * 1000.123, "units" * 10, 5, KpiStatus.OFF_TARGET, -n)
                for n in range(100)
            ]
        ),
        open_escalations=fixed(
            [
                OpenEscalation(f"ESC-{n}", n % 4 + 1, long, "UJOE", NOW - n * HOUR, NOW, True)
                for n in range(500)
            ]
        ),
        resolved_escalations=fixed(
            [
                ResolvedEscalation(f"ESC-{n}", n % 4 + 1, long, NOW - 2 * HOUR, None, NOW)
                for n in range(300)
            ]
        ),
        standup=fixed(
            StandupSummary(
                answered=[f"UA{n}" for n in range(200)],
                missing=[f"UM{n}" for n in range(200)],
                blockers=[Blocker(f"UB{n}", long, NOW - n * HOUR) for n in range(250)],
            )
        ),
    )
    message = render("messages/huddle", huddle=build(db, sources))  # validates Block Kit
    assert len(message["blocks"]) <= 50
    texts = section_texts(message)
    assert all(len(text) <= 3000 for text in texts)
    shown = "\n".join(texts)
    assert "… and 88 more: `/kpi` shows them all." in shown
    assert "500 open (sev1 125 · sev2 125 · sev3 125 · sev4 125), *500 past SLA*" in shown
    assert "… and 490 more: `/escalate list` shows them all." in shown
    assert "… and 295 more" in shown
    assert "… and 185 more" in shown  # names of people without an answer
    assert "… and 242 more: `/standup report` lists them all." in shown
    assert len(str(message)) < 20_000


def test_since_is_when_the_channels_previous_huddle_went_out(db: Database) -> None:
    seen: list[datetime] = []

    def recording(
        session: Session, *, team_id: str, now: datetime, since: datetime
    ) -> Sequence[ResolvedEscalation]:
        assert team_id == TEAM
        seen.append(since)
        return []

    sources = HuddleSources(resolved_escalations=recording)
    build(db, sources)
    assert seen == [NOW - timedelta(days=1)]
    with db.session() as session:
        key = PostKey(TEAM, "C0HUDDLE", huddle.HUDDLE_KIND, date(2026, 2, 27))
        post = ledger.claim_post(session, key=key, scheduled_for=NOW - 3 * 24 * HOUR, now=NOW)
        assert post is not None
        ledger.mark_sent(session, post_id=post.id, message_ts="1.2", now=NOW - 3 * 24 * HOUR)
        # Another channel's and another workspace's huddles do not count.
        other = ledger.claim_post(
            session,
            key=PostKey(OTHER_TEAM, "C0HUDDLE", huddle.HUDDLE_KIND, date(2026, 3, 1)),
            scheduled_for=NOW - HOUR,
            now=NOW,
        )
        assert other is not None
        ledger.mark_sent(session, post_id=other.id, message_ts="1.3", now=NOW - HOUR)
    build(db, sources)
    assert seen[-1] == NOW - 3 * 24 * HOUR


def test_status_belongs_to_one_workspace(db: Database) -> None:
    with db.session() as session:
        for team in (TEAM, OTHER_TEAM):
            huddle.configure(
                session,
                team_id=team,
                channel_id=f"C0{team}",
                at=time(7, 45),
                tz="America/Chicago",
                days=None,
                default_tz="UTC",
                user_id=ADMIN,
                now=NOW,
            )
        [status] = huddle.channel_statuses(session, team_id=TEAM, now=NOW)
    assert status.config.channel_id == f"C0{TEAM}"
    assert status.config.days == "mon-fri"
    assert status.next_run == datetime(2026, 3, 3, 13, 45, tzinfo=UTC)
