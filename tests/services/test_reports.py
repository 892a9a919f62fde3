"""Leadership reports against a real database: periods across DST, figures checked against
hand-computed values, the CSV read back against the post, the PDF and PNGs opened, holidays,
an empty operation, and a month of 24 KPIs and 1,000 escalations in one message."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy.orm import Session

from bot.blocks import MAX_MESSAGE_BLOCKS, render
from bot.db import Database
from bot.durations import format_duration
from bot.formats import format_amount, format_number
from bot.models import Cadence
from bot.services import escalations, holidays, kpis, oncall, reports, standups
from bot.services.report_files import make_files
from bot.services.reports import ReportPeriod, period_containing
from bot.standin.server import ApiCall
from tests.conftest import ADMIN, JOE, MARIA, OTHER_TEAM, TEAM

BERLIN = "Europe/Berlin"
ZONE = ZoneInfo(BERLIN)
# The week of Europe's spring change (Sunday 29 March 2026 loses an hour).
DST_WEEK = period_containing(Cadence.WEEKLY, date(2026, 3, 25), BERLIN)
BUILT_AT = datetime(2026, 3, 30, 6, 0, tzinfo=UTC)  # Monday 08:00 in Berlin


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE).astimezone(UTC)


def test_periods_in_a_zone_across_dst_and_short_months() -> None:
    assert (DST_WEEK.start, DST_WEEK.end) == (date(2026, 3, 23), date(2026, 3, 30))
    assert DST_WEEK.starts_at == datetime(2026, 3, 22, 23, 0, tzinfo=UTC)  # CET
    assert DST_WEEK.ends_at == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # CEST
    assert DST_WEEK.ends_at - DST_WEEK.starts_at == timedelta(hours=167)
    assert DST_WEEK.label == "Mon 23 Mar to Sun 29 Mar 2026"
    march = period_containing(Cadence.MONTHLY, date(2026, 3, 31), BERLIN)
    assert (march.start, march.end, len(march.days)) == (date(2026, 3, 1), date(2026, 4, 1), 31)
    assert march.ends_at - march.starts_at == timedelta(days=31, hours=-1)
    february = march.previous()
    assert (february.start, len(february.days), february.label) == (
        date(2026, 2, 1),
        28,
        "February 2026",
    )
    january = period_containing(Cadence.MONTHLY, date(2026, 1, 5), "UTC")
    assert january.previous().start == date(2025, 12, 1)
    assert (
        reports.last_full_period(
            Cadence.WEEKLY, now=datetime(2026, 3, 29, 22, 30, tzinfo=UTC), tz=BERLIN
        )
        == DST_WEEK
    )  # already Monday 00:30 in Berlin


def seed_operation(db: Database) -> None:
    """A small operation with figures worked out by hand in the tests below."""
    week = DST_WEEK.days  # Mon 23 … Sun 29 March
    with db.session() as session:
        kpi = kpis.create_kpi(
            session,
            team_id=TEAM,
            name="pick-rate",
            target=100,
            unit="lines/h",
            created_by=ADMIN,
            now=local(date(2026, 3, 1), 9),
        )
        points = [
            (100.0, local(date(2026, 3, 16), 12)),  # the week before: mean 100
            (100.0, local(date(2026, 3, 17), 12)),
            (90.0, local(week[0], 12)),
            (110.0, local(week[1], 12)),
            (100.0, local(week[2], 12)),
            (120.0, local(week[4], 12)),
            (95.0, local(week[6], 12)),
            (105.0, local(week[6], 23, 30)),  # Sunday 23:30 CEST, still this week
            (5.0, local(date(2026, 3, 30), 0, 30)),  # Monday 00:30: next week's
        ]
        kpis.record_values(
            session, kpi=kpi, points=points, source="slack", recorded_by=ADMIN, now=BUILT_AT
        )
        cases = [
            # (severity, opened, minutes to ack, minutes to resolve, cause)
            ("sev3", datetime(2026, 3, 16, 9, 0, tzinfo=UTC), 5, 30, "staffing"),
            ("sev2", datetime(2026, 3, 24, 10, 0, tzinfo=UTC), 10, 120, "equipment"),
            ("sev3", datetime(2026, 3, 25, 9, 0, tzinfo=UTC), 90, 240, "equipment"),
            ("sev3", datetime(2026, 3, 26, 9, 0, tzinfo=UTC), 30, 60, "staffing"),
        ]
        for severity, opened, ack, resolve, cause in cases:
            escalation = escalations.open_escalation(
                session,
                team_id=TEAM,
                reporter_id=MARIA,
                summary="Dock door stuck",
                details="",
                severity=severity,
                assignee_id=JOE,
                now=opened,
            )
            escalations.acknowledge(
                session,
                team_id=TEAM,
                number=escalation.number,
                user_id=JOE,
                now=opened + timedelta(minutes=ack),
            )
            escalations.resolve(
                session,
                team_id=TEAM,
                number=escalation.number,
                user_id=JOE,
                cause=cause,
                now=opened + timedelta(minutes=resolve),
            )
        standup, _ = standups.configure(
            session,
            team_id=TEAM,
            channel_id="C0STAND",
            user_id=ADMIN,
            now=local(date(2026, 3, 1), 9),
            remind_at=time(9, 0),
            days=frozenset(range(5)),
            timezone=BERLIN,
        )
        for user in (MARIA, JOE):
            standups.join(
                session,
                team_id=TEAM,
                standup_id=standup.id,
                user_id=user,
                now=local(date(2026, 3, 1), 9),
            )
        for index, local_date in enumerate(week[:5]):
            standups.save_answer(
                session,
                team_id=TEAM,
                standup=standup,
                user_id=MARIA,
                local_date=local_date,
                texts=["Picked", "Packing", "none"],
                now=local(local_date, 9, 30),
            )
            if index < 2:
                standups.save_answer(
                    session,
                    team_id=TEAM,
                    standup=standup,
                    user_id=JOE,
                    local_date=local_date,
                    texts=["Loaded", "Loading", "Scanner <broken> at dock 4"],
                    now=local(local_date, 9, 40),
                )


def build(db: Database, period: ReportPeriod = DST_WEEK) -> reports.Report:
    with db.session() as session:
        return reports.build_report(session, team_id=TEAM, period=period, now=BUILT_AT)


def test_figures_match_hand_computed_values(db: Database) -> None:
    seed_operation(db)
    report = build(db)

    [kpi] = report.kpis
    # Values Mon 90, Tue 110, Wed 100, Fri 120, Sun 95 and 105 (Sunday's mean 100); Monday
    # 00:30 of the next week is not in it, whatever the DST change did to the week's length.
    assert kpi.mean == pytest.approx(620 / 6)
    assert kpi.previous_mean == 100
    assert (kpi.days_with_data, kpi.days_on_target, kpi.days_without_data) == (5, 4, 2)
    assert kpi.share_on_target == 80
    assert (kpi.best.day, kpi.best.value) == (date(2026, 3, 27), 120)
    assert (kpi.worst.day, kpi.worst.value) == (date(2026, 3, 23), 90)
    assert kpi.status == kpis.Status.ON_TARGET and kpi.change.improving

    total = report.escalations.total
    assert total.count == 3 and report.escalations.previous_total.count == 1
    assert total.mtta == timedelta(minutes=(10 + 90 + 30) / 3)
    assert total.mttr == timedelta(minutes=(120 + 240 + 60) / 3)
    assert total.breach_rate == pytest.approx(1 / 3)  # the sev3 acknowledged after 90 min
    assert [(c.cause, c.count) for c in report.escalations.causes] == [
        ("equipment", 2),
        ("staffing", 1),
    ]

    [standup] = report.standups
    assert (standup.answered, standup.expected) == (7, 10)
    assert standup.previous_expected == 10 and standup.previous_answered == 0
    [blocker] = standup.recurring
    assert (blocker.user_id, blocker.days, blocker.first) == (JOE, 2, date(2026, 3, 23))

    assert [h.kind for h in report.highlights] == ["sla", "cause"]
    assert "33.3% of escalations missed" in report.highlights[0].detail

    message = render("messages/report", report=report, preview=False)
    shown = ApiCall("post", message).blocks_text()
    assert "Weekly report · Mon 23 Mar to Sun 29 Mar 2026" in shown
    assert "mean *103.33 lines/h* (≥ 100 lines/h)" in shown
    assert "On target 4 of 5 days with data (80%), 2 days without data" in shown
    assert "best Fri 27 Mar 120 lines/h, worst Mon 23 Mar 90 lines/h" in shown
    assert "3 opened (_before_ 1)" in shown
    assert "MTTA 43m (_before_ 5m) · MTTR 2h 20m (_before_ 30m)" in shown
    assert "SLA breached 33.3% (_before_ 0%)" in shown
    assert "equipment: 2 (66.7%, cumulative 66.7%)" in shown
    assert "<#C0STAND> · 7 of 10 answers (70%, _before_ 0%)" in shown
    assert "Scanner &lt;broken&gt; at dock 4 · on 2 days since Mon 23 Mar" in shown


def csv_figures(content: bytes) -> dict[tuple[str, str, str], dict[str, str]]:
    """The CSV read back: each row by (section, item, metric), every row the same period."""
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert list(rows[0]) == [
        "section",
        "item",
        "person",
        "channel",
        "metric",
        "value",
        "unit",
        "previous_period_value",
        "period_first_day",
        "period_last_day",
    ]
    assert {(r["period_first_day"], r["period_last_day"]) for r in rows} == {
        ("2026-03-23", "2026-03-29")
    }
    found = {(r["section"], r["item"], r["metric"]): r for r in rows}
    assert len(found) == len(rows)  # one figure a row, none twice
    return found


NAMES = reports.ReportNames(
    users={MARIA: "Maria Lopez", JOE: "Joe Sato"}, channels={"C0STAND": "shift-leads"}
)


def test_the_csv_pdf_and_pngs_hold_the_same_figures(db: Database) -> None:
    seed_operation(db)
    report = build(db)
    shown = ApiCall("post", render("messages/report", report=report, preview=False)).blocks_text()
    files = {made.kind: made for made in make_files(report=report, names=NAMES)}
    assert set(files) == {"board", "pareto", "csv", "pdf"}

    figures = csv_figures(files["csv"].content)
    mean = figures[("kpi", "pick-rate", "mean")]
    assert (mean["unit"], mean["previous_period_value"]) == ("lines/h", "100.0")
    assert f"mean *{format_amount(float(mean['value']), mean['unit'])}*" in shown
    assert figures[("kpi", "pick-rate", "target_minimum")]["value"] == "100.0"
    share = figures[("kpi", "pick-rate", "share_of_days_on_target")]
    assert f"({format_number(float(share['value']), 1)}%)" in shown and share["unit"] == "%"
    best = figures[("kpi", "pick-rate", "best_day")]
    assert (best["value"], best["unit"]) == ("2026-03-27", "date")
    assert figures[("kpi", "pick-rate", "best_day_mean")]["value"] == "120.0"

    def minutes(metric: str) -> str:
        row = figures[("escalations", "all", metric)]
        assert row["unit"] == "minutes"
        return format_duration(timedelta(minutes=float(row["value"])))

    assert f"MTTA {minutes('mtta')} " in shown and f"MTTR {minutes('mttr')} " in shown
    breached = figures[("escalations", "all", "sla_breached")]
    assert f"SLA breached {format_number(float(breached['value']), 1)}%" in shown
    opened = figures[("escalations", "all", "opened")]
    assert f"{opened['value']} opened (_before_ {opened['previous_period_value']})" in shown
    causes = [key[1] for key in figures if key[0] == "cause" and key[2] == "resolved"]
    assert causes == ["equipment", "staffing"]

    # People and channels by name, never by id: these files are forwarded by email.
    answered = figures[("standup", "#shift-leads", "answered")]
    expected = figures[("standup", "#shift-leads", "expected")]
    assert f"{answered['value']} of {expected['value']} answers" in shown
    assert answered["channel"] == "#shift-leads" and expected["previous_period_value"] == "10"
    joe = figures[("person", "Joe Sato", "answered")]
    assert (joe["value"], joe["channel"], joe["unit"]) == ("2", "#shift-leads", "answers")
    assert figures[("person", "Maria Lopez", "answered")]["value"] == "5"
    blocker = "Scanner <broken> at dock 4"
    days = figures[("recurring_blocker", blocker, "days_reported")]
    assert (days["person"], days["channel"], days["value"]) == ("Joe Sato", "#shift-leads", "2")
    assert figures[("recurring_blocker", blocker, "first_day")]["value"] == "2026-03-23"
    assert figures[("recurring_blocker", blocker, "last_day")]["value"] == "2026-03-24"
    raw = files["csv"].content.decode()
    assert MARIA not in raw and JOE not in raw and "C0STAND" not in raw

    pdf = PdfReader(io.BytesIO(files["pdf"].content))
    assert len(pdf.pages) == 3  # text, Pareto, KPI board
    text = " ".join(page.extract_text() for page in pdf.pages)
    for figure in ("103.33 lines/h", "4 of 5 days", "80%", "MTTA 43m", "2h 20m", "33.3%"):
        assert figure in text, figure
    assert "#shift-leads: 7 of 10 answers, 70% (before: 0%)" in text
    assert "recurring blocker of @Joe Sato on 2 days: Scanner <broken> at dock 4" in text
    assert MARIA not in text and JOE not in text and "C0STAND" not in text
    assert pdf.pages[0].mediabox.width == pytest.approx(8.27 * 72, abs=1)  # A4 in Europe

    for kind in ("board", "pareto"):
        png = files[kind].content
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width = int.from_bytes(png[16:20], "big")
        height = int.from_bytes(png[20:24], "big")
        assert 360 <= width <= 2000 and 300 <= height <= 2000, (kind, width, height)


def test_an_operation_with_no_data_says_nothing_to_report(db: Database) -> None:
    report = build(db)
    assert report.is_empty
    shown = ApiCall("post", render("messages/report", report=report, preview=False)).blocks_text()
    assert "Nothing to report for this week" in shown
    files = {made.kind: made for made in make_files(report=report)}
    assert len(PdfReader(io.BytesIO(files["pdf"].content)).pages) >= 2


def test_one_day_of_data_and_tied_causes_read_as_a_person_would_say_them(db: Database) -> None:
    with db.session() as session:
        kpi = kpis.create_kpi(
            session,
            team_id=TEAM,
            name="dock-to-stock",
            target=2,
            better="lower",
            unit="h",
            created_by=ADMIN,
            now=local(date(2026, 3, 1), 9),
        )
        kpis.record_values(
            session,
            kpi=kpi,
            points=[(3.0, local(DST_WEEK.start, 12))],
            source="slack",
            recorded_by=ADMIN,
            now=BUILT_AT,
        )
        for n, cause in enumerate(["carrier", "equipment", "carrier", "equipment", "staffing"]):
            escalation = escalations.open_escalation(
                session,
                team_id=TEAM,
                reporter_id=MARIA,
                summary="Late truck",
                details="",
                severity="sev3",
                now=local(DST_WEEK.start, 9 + n),
            )
            escalations.resolve(
                session,
                team_id=TEAM,
                number=escalation.number,
                user_id=JOE,
                cause=cause,
                now=local(DST_WEEK.start, 10 + n),
            )
    report = build(db)
    shown = ApiCall("post", render("messages/report", report=report, preview=False)).blocks_text()
    assert "On target 0 of 1 day with data (0%), 6 days without data" in shown
    [cause] = [h for h in report.highlights if h.kind == "cause"]
    assert cause.title == "Top causes: carrier and equipment"
    assert cause.detail == "2 of 5 resolved escalations each (40%)"
    pdf = make_files(report=report)[3].content
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "on target 0 of 1 day with data" in text
    assert "Top causes: carrier and equipment: 2 of 5 resolved escalations each" in text


def test_a_month_of_24_kpis_and_1000_escalations_fits_one_message(db: Database) -> None:
    march = period_containing(Cadence.MONTHLY, date(2026, 3, 1), "UTC")
    with db.session() as session:
        escalations.set_causes(
            session,
            team_id=TEAM,
            causes=[f"cause-{n:02d}" for n in range(25)],
            now=march.starts_at,
        )
        for n in range(24):
            kpi = kpis.create_kpi(
                session,
                team_id=TEAM,
                name=f"kpi-{n:02d}-" + "long-name-" * 5 + "x" * 7,
                target=100,
                unit="orders per shift",
                created_by=ADMIN,
                now=march.starts_at - timedelta(days=40),
            )
            points = [
                (80.0 + (n + hour) % 40, march.starts_at + timedelta(hours=hour))
                for hour in range(0, 31 * 24, 6)
            ]
            kpis.record_values(
                session, kpi=kpi, points=points, source="api", recorded_by=None, now=BUILT_AT
            )
        for n in range(1000):
            opened = march.starts_at + timedelta(minutes=44 * n)
            escalation = escalations.open_escalation(
                session,
                team_id=TEAM,
                reporter_id=MARIA,
                summary=f"Issue {n}",
                details="",
                severity=f"sev{n % 4 + 1}",
                now=opened,
            )
            escalations.resolve(
                session,
                team_id=TEAM,
                number=escalation.number,
                user_id=JOE,
                cause=f"cause-{n % 25:02d}",
                now=opened + timedelta(minutes=n % 300),
            )
    with db.session() as session:
        report = reports.build_report(
            session, team_id=TEAM, period=march, now=march.ends_at + timedelta(hours=8)
        )
    message = render("messages/report", report=report, preview=False)  # validated Block Kit
    assert len(message["blocks"]) <= MAX_MESSAGE_BLOCKS
    shown = ApiCall("post", message).blocks_text()
    assert "… and 14 more KPIs: the CSV and the PDF in the thread have them all." in shown
    assert "… and 20 more causes: the CSV and the PDF in the thread" in shown
    # A preview has no thread: it says how to get the files instead.
    preview = ApiCall("post", render("messages/report", report=report, preview=True))
    shown = preview.blocks_text()
    assert (
        "… and 14 more KPIs: `/report now monthly` posts the report here, and the CSV and the "
        "PDF in its thread have them all." in shown
    )
    assert "in the thread" not in shown
    assert "1,000 opened" in shown
    assert all(len(block.get("text", {}).get("text", "")) <= 3000 for block in message["blocks"])


def test_holidays_move_a_report_to_the_next_day(db: Database) -> None:
    with db.session() as session:
        config = reports.configure(
            session,
            team_id=TEAM,
            channel_id="C0LEAD",
            cadence=Cadence.MONTHLY,
            day=None,
            at=None,
            tz="Europe/Berlin",
            holiday_calendar="DE-BY",
            skip="2026-01-02",
            default_tz="UTC",
            user_id=ADMIN,
            now=datetime(2025, 12, 1, tzinfo=UTC),
        )
        december = period_containing(Cadence.MONTHLY, date(2025, 12, 1), BERLIN)
        # New Year's Day is a holiday, the 2nd is the company's own: out on Saturday the 3rd.
        assert reports.send_date(config, december) == date(2026, 1, 3)
        calendar = reports.calendar_of(config)
        assert holidays.is_holiday(calendar, date(2026, 1, 6)) == "Epiphany"
        assert holidays.is_holiday(calendar, date(2026, 1, 2)) == holidays.COMPANY_DAY
        due = reports.due_reports(
            session, now=datetime(2026, 1, 1, 7, 5, tzinfo=UTC), grace=timedelta(hours=2)
        )
        assert due == []  # the 1st is a holiday: nothing due (and nothing skipped)
        due = reports.due_reports(
            session, now=datetime(2026, 1, 3, 7, 5, tzinfo=UTC), grace=timedelta(hours=2)
        )
        assert [item.period.start for item in due] == [date(2025, 12, 1)]


def test_unknown_calendars_get_a_friendly_error() -> None:
    with pytest.raises(holidays.CalendarError, match="`ZZ` is not a region of DE"):
        holidays.parse_calendar("DE-ZZ")
    with pytest.raises(holidays.CalendarError, match="not a country"):
        holidays.parse_calendar("XQ")
    # Suggestions are the two-letter codes help teaches, not their three-letter twins.
    with pytest.raises(holidays.CalendarError) as raised:
        holidays.parse_calendar("XX")
    suggested = re.findall(r"`([A-Z]+)`", str(raised.value).partition("Did you mean")[2])
    assert suggested and all(len(code) == 2 for code in suggested)
    with pytest.raises(holidays.CalendarError, match="`2026-13-01` is not a date"):
        holidays.parse_calendar(None, skip="2026-13-01")
    assert holidays.parse_calendar("gb-sct").spec == "GB-SCT"


ANA = "UANA"
KIM = "UKIM"
# Maria is on call 08:00-20:00 and Joe 20:00-08:00 in Berlin, every day from Mon 16 March
# 08:00 (turns follow the wall clock, so Joe's night into Sunday 29 March is 11 hours).
LEADS = oncall.LayerSpec((MARIA, JOE), timedelta(hours=12), time(8), date(2026, 3, 16))
# Kim covers the yard 08:00-12:00 every day, in a schedule made on Wed 25 March at 09:00.
YARD = oncall.LayerSpec(
    (KIM,), timedelta(days=1), time(8), date(2026, 3, 16), hours=(time(8), time(12))
)


def page(session: Session, *, team_id: str = TEAM, user_id: str, at: datetime) -> int:
    """Open an escalation that pages `user_id` at `at`; its number."""
    escalation = escalations.open_escalation(
        session,
        team_id=team_id,
        reporter_id=ADMIN,
        summary="Conveyor stopped",
        details="",
        severity="sev2",
        assignee_id=user_id,
        now=at,
    )
    return escalation.number


def seed_oncall(db: Database) -> None:
    """Pages inside and outside shifts, worked out by hand in the test below."""
    week = DST_WEEK.days  # Mon 23 … Sun 29 March
    with db.session() as session:
        schedule = oncall.create_schedule(
            session, team_id=TEAM, name="leads", tz=BERLIN, layer=LEADS, created_by=ADMIN,
            now=local(date(2026, 3, 1), 9),
        )  # fmt: skip
        # Ana covers Maria's Wednesday 10:00-12:00; Ana is in no layer.
        oncall.add_override(
            session, schedule=schedule, user_id=ANA, starts_at=local(week[2], 10),
            ends_at=local(week[2], 12), created_by=ADMIN, now=local(date(2026, 3, 1), 9),
        )  # fmt: skip
        oncall.create_schedule(
            session, team_id=OTHER_TEAM, name="leads", tz=BERLIN, layer=LEADS, created_by=ADMIN,
            now=local(date(2026, 3, 1), 9),
        )  # fmt: skip
        # The week before: Maria before the rotation began (outside), Maria by day, Joe by
        # night on Sunday.
        page(session, user_id=MARIA, at=local(date(2026, 3, 16), 7))
        page(session, user_id=MARIA, at=local(date(2026, 3, 17), 12))
        page(session, user_id=JOE, at=local(date(2026, 3, 22), 23, 30))
        # This week.
        page(session, user_id=MARIA, at=local(week[0], 10))  # her shift
        page(session, user_id=MARIA, at=local(week[0], 22))  # Joe's night: outside
        page(session, user_id=JOE, at=local(week[1], 23))  # his night
        covered = page(session, user_id=MARIA, at=local(week[2], 11))  # Ana's override: outside
        # A reassignment pages Ana, on call by her override.
        escalations.assign(
            session, team_id=TEAM, number=covered, user_id=MARIA, assignee_id=ANA,
            now=local(week[2], 11, 10),
        )  # fmt: skip
        page(session, user_id=ADMIN, at=local(week[3], 9))  # in no schedule: off rotation
        # Kim's rotation says 08:00-12:00 from the 16th, but her schedule only exists from
        # Wednesday: Tuesday's page was off rotation, not outside her shift.
        oncall.create_schedule(
            session, team_id=TEAM, name="yard", tz=BERLIN, layer=YARD, created_by=ADMIN,
            now=local(week[2], 9),
        )  # fmt: skip
        page(session, user_id=KIM, at=local(week[1], 10))  # off rotation
        page(session, user_id=KIM, at=local(week[4], 10))  # her shift
        page(session, user_id=KIM, at=local(week[4], 15))  # outside
        page(session, user_id=JOE, at=local(week[6], 7, 30))  # CEST, still his night
        page(session, user_id=JOE, at=local(week[6], 8, 30))  # Maria's day: outside
        # A cancelled escalation's page does not count, as cancelled ones are not in stats.
        mistake = page(session, user_id=JOE, at=local(week[1], 12))
        escalations.cancel(
            session, team_id=TEAM, number=mistake, user_id=ADMIN, is_admin=True,
            now=local(week[1], 12, 5),
        )  # fmt: skip
        page(session, user_id=JOE, at=local(date(2026, 3, 30), 0, 30))  # next week's
        page(session, team_id=OTHER_TEAM, user_id=JOE, at=local(week[0], 10))  # not ours


ONCALL_NAMES = reports.ReportNames(
    users={
        MARIA: "Maria Lopez",
        JOE: "Joe Sato",
        ANA: "Ana Diaz",
        ADMIN: "Sam Admin",
        KIM: "Kim Park",
    }
)


def test_oncall_load_counts_pages_outside_shifts_in_the_post_csv_and_pdf(db: Database) -> None:
    seed_oncall(db)
    report = build(db)

    load = report.oncall
    assert load is not None
    # (person, pages, outside, off rotation, and the same before), most pages first.
    assert [
        (
            p.user_id,
            (p.pages, p.outside_shift, p.off_rotation),
            (p.previous_pages, p.previous_outside_shift, p.previous_off_rotation),
        )
        for p in load.people
    ] == [
        (MARIA, (3, 2, 0), (2, 1, 0)),
        (JOE, (3, 1, 0), (1, 0, 0)),
        (KIM, (3, 1, 1), (0, 0, 0)),
        (ADMIN, (1, 0, 1), (0, 0, 0)),
        (ANA, (1, 0, 0), (0, 0, 0)),
    ]
    assert (load.pages, load.outside_shift, load.off_rotation) == (11, 4, 2)
    assert (load.previous_pages, load.previous_outside_shift, load.previous_off_rotation) == (
        3,
        1,
        0,
    )
    assert not report.is_empty  # pages alone are something to report

    message = render("messages/report", report=report, preview=False)
    shown = ApiCall("post", message).blocks_text()
    assert (
        "*:pager: On-call load* · 11 pages, 4 outside shift hours, 2 off rotation "
        "(_before_ 3, 1 outside, 0 off rotation)"
    ) in shown
    assert "_off rotation_: paged while in no schedule's rotation" in shown
    assert f"<@{MARIA}> · 3 pages, 2 outside their shifts (_before_ 2, 1 outside)" in shown
    assert (
        f"<@{KIM}> · 3 pages, 1 outside their shifts, 1 off rotation "
        "(_before_ 0, 0 outside, 0 off rotation)"
    ) in shown
    assert f"<@{ADMIN}> · 1 page, 0 outside their shifts, 1 off rotation" in shown
    assert f"<@{ANA}> · 1 page, 0 outside their shifts (_before_ 0, 0 outside)" in shown
    assert shown.index(f"<@{MARIA}> · 3") < shown.index(f"<@{JOE}> · 3")

    files = {made.kind: made for made in make_files(report=report, names=ONCALL_NAMES)}
    figures = csv_figures(files["csv"].content)
    rows = {key[1:]: row for key, row in figures.items() if key[0] == "oncall"}
    assert set(rows) == {
        (item, metric)
        for item in ("all", "Maria Lopez", "Joe Sato", "Kim Park", "Sam Admin", "Ana Diaz")
        for metric in ("pages", "pages_outside_shift", "pages_off_rotation")
    }
    maria = rows[("Maria Lopez", "pages_outside_shift")]
    assert (maria["person"], maria["value"], maria["unit"], maria["previous_period_value"]) == (
        "Maria Lopez",
        "2",
        "pages",
        "1",
    )
    everyone = rows[("all", "pages")]
    assert (everyone["person"], everyone["value"], everyone["previous_period_value"]) == (
        "",
        "11",
        "3",
    )
    assert rows[("all", "pages_off_rotation")]["value"] == "2"
    assert rows[("Kim Park", "pages_off_rotation")]["value"] == "1"
    # The CSV read back gives the post's figures.
    for item, user in (("Maria Lopez", MARIA), ("Joe Sato", JOE), ("Ana Diaz", ANA)):
        pages, outside = rows[(item, "pages")], rows[(item, "pages_outside_shift")]
        assert (
            f"<@{user}> · {pages['value']} page{'s' if pages['value'] != '1' else ''}, "
            f"{outside['value']} outside their shifts (_before_ {pages['previous_period_value']}, "
            f"{outside['previous_period_value']} outside)"
        ) in shown

    text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(files["pdf"].content)).pages
    )
    assert "On-call load" in text
    assert "11 pages, 4 outside shift hours, 2 off rotation (before: 3, 1 outside, 0 off" in text
    assert "@Maria Lopez: 3 pages, 2 outside their shifts (before: 2, 1 outside)" in text
    assert "@Ana Diaz: 1 page, 0 outside their shifts" in text
    assert MARIA not in text and ANA not in text

    # The names the files use come from the report's people, on-call ones included.
    with db.session() as session:
        names = reports.report_names(
            session, report=report, user_name=lambda u: f"name of {u}", channel_name=lambda _: None
        )
    assert names.person(ANA) == f"name of {ANA}"


def test_no_oncall_section_without_schedules(db: Database) -> None:
    seed_operation(db)
    with db.session() as session:
        page(session, user_id=MARIA, at=local(DST_WEEK.start, 10))
    report = build(db)
    assert report.oncall is None
    shown = ApiCall("post", render("messages/report", report=report, preview=False)).blocks_text()
    assert "On-call load" not in shown
    files = {made.kind: made for made in make_files(report=report, names=NAMES)}
    assert not [key for key in csv_figures(files["csv"].content) if key[0] == "oncall"]
    pdf = PdfReader(io.BytesIO(files["pdf"].content))
    assert "On-call load" not in " ".join(page.extract_text() for page in pdf.pages)


def test_a_schedule_and_nobody_paged_or_many_paged_fit_one_message(db: Database) -> None:
    with db.session() as session:
        oncall.create_schedule(
            session, team_id=TEAM, name="leads", tz=BERLIN, layer=LEADS, created_by=ADMIN,
            now=local(date(2026, 3, 1), 9),
        )  # fmt: skip
    report = build(db)
    assert report.oncall is not None and report.oncall.people == [] and report.is_empty
    with db.session() as session:
        for n in range(25):
            page(session, user_id=f"U{n:03d}", at=local(DST_WEEK.start, 9) + timedelta(hours=n))
    message = render("messages/report", report=build(db), preview=False)
    assert len(message["blocks"]) <= MAX_MESSAGE_BLOCKS
    shown = ApiCall("post", message).blocks_text()
    # Nobody paged takes turns in the schedule: none of it is "outside shift hours".
    assert "25 pages, 0 outside shift hours, 25 off rotation" in shown
    assert "… and 15 more people paged: the CSV and the PDF in the thread have them all." in shown
