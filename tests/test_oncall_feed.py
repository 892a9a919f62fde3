"""The on-call calendar feed: `opsbot oncall feed` prints a secret URL, `GET /oncall/<token>.ics`
serves RFC 5545 events that icalendar parses back (one per shift, stable UIDs, names from
profiles, no gaps), a person's own feed holds only their shifts, and a revoked or unknown
token is a 404. Against a real database; the web app's clock is the injectable one."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.cli import main
from bot.clock import ManualClock
from bot.models import OncallFeed
from bot.runtime import Runtime
from bot.services import oncall, workspace
from bot.web import create_web_app
from tests.conftest import ADMIN, JOE, MARIA, START, TEAM

URL = re.compile(r"^https://opsbot\.example\.com/oncall/([A-Za-z0-9_\-]{40,})\.ics$")


@pytest.fixture
def feed_env(runtime: Runtime, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Runtime:
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("OPSBOT_PUBLIC_URL", "https://opsbot.example.com/")
    with runtime.db.session() as session:
        for user_id, name in ((JOE, "Joe Okafor"), (MARIA, "Maria Lopez")):
            workspace.save_profile(
                session,
                team_id=TEAM,
                user_id=user_id,
                name=name,
                tz="UTC",
                is_admin=False,
                now=START,
            )
        # Joe 08:00-20:00 and Maria 20:00-08:00 UTC, on weekdays only (each from 08:00 to
        # 08:00): weekends are gaps.
        oncall.create_schedule(
            session,
            team_id=TEAM,
            name="night",
            tz="UTC",
            layer=oncall.LayerSpec(
                (JOE, MARIA),
                timedelta(hours=12),
                time(8, 0),
                date(2026, 3, 2),
                frozenset(range(5)),
            ),
            created_by=ADMIN,
            now=START,
        )
    return runtime


def _feed(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["oncall", "feed", "night", "--team", TEAM, *args]) == 0
    out = capsys.readouterr()
    match = URL.match(out.out.strip())
    assert match, out
    assert "Keep it secret" in out.err
    return match[1]


def _get(runtime: Runtime, token: str) -> tuple[int, str, bytes]:
    answer = create_web_app(runtime).test_client().get(f"/oncall/{token}.ics")
    return answer.status_code, answer.headers.get("Content-Type", ""), answer.data


def test_feed_url_serves_the_shifts_as_icalendar(
    feed_env: Runtime, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    token = _feed(capsys)
    with feed_env.db.session() as session:
        stored = session.scalars(select(OncallFeed.token_hash)).all()
    assert token not in stored and len(stored) == 1  # only the hash is kept

    status, content_type, body = _get(feed_env, token)
    assert status == 200 and content_type.startswith("text/calendar")
    cal = Calendar.from_ical(body)
    assert cal["version"] == "2.0" and "Opsbot" in str(cal["prodid"])
    events = list(cal.walk("VEVENT"))
    # From Monday 2 March 08:00 (the schedule's start) to 60 days ahead: 10 shifts a week,
    # weekends left out (gaps are not events).
    starts = [e.decoded("dtstart") for e in events]
    assert starts[0] == START
    assert all(start.weekday() < 5 for start in starts)
    first, second = events[0], events[1]
    assert str(first["summary"]) == "On call: night (Joe Okafor)"
    assert str(second["summary"]) == "On call: night (Maria Lopez)"
    assert first.decoded("dtend") == datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
    assert second.decoded("dtend") == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    friday_night = [
        e for e in events if e.decoded("dtstart") == datetime(2026, 3, 6, 20, 0, tzinfo=UTC)
    ]
    # Friday's day runs to Saturday's handover: Maria's Friday night is whole.
    assert friday_night[0].decoded("dtend") == datetime(2026, 3, 7, 8, 0, tzinfo=UTC)
    assert len(events) == len({str(e["uid"]) for e in events})

    # A day later, the same shifts keep their UIDs (calendars update, not duplicate).
    uids = {e.decoded("dtstart"): str(e["uid"]) for e in events}
    clock.advance(timedelta(days=1, hours=3))
    later = {
        e.decoded("dtstart"): str(e["uid"])
        for e in Calendar.from_ical(_get(feed_env, token)[2]).walk("VEVENT")
    }
    assert all(later[start] == uid for start, uid in uids.items() if start in later)
    assert START in later  # still within the 14 days behind


def test_own_feed_only_and_revoked_or_unknown_tokens_are_404(
    feed_env: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    everyone = _feed(capsys)
    maria = _feed(capsys, "--user", f"<@{MARIA}|maria>")
    events = list(Calendar.from_ical(_get(feed_env, maria)[2]).walk("VEVENT"))
    assert events and all("Maria Lopez" in str(e["summary"]) for e in events)
    assert "Maria Lopez" in str(Calendar.from_ical(_get(feed_env, maria)[2])["x-wr-calname"])

    assert _get(feed_env, "not-a-token")[0] == 404
    assert main(["oncall", "feed", "night", "--team", TEAM, "--user", MARIA, "--revoke"]) == 0
    assert "Revoked 1 calendar feed of UMARIA" in capsys.readouterr().out
    assert _get(feed_env, maria)[0] == 404
    assert _get(feed_env, everyone)[0] == 200
    assert main(["oncall", "feed", "night", "--team", TEAM, "--revoke"]) == 0
    assert _get(feed_env, everyone)[0] == 404

    # A person who is not in the schedule gets no (forever empty) feed: its people are named.
    assert main(["oncall", "feed", "night", "--team", TEAM, "--user", "U0NOBODY"]) == 1
    refused = capsys.readouterr().err
    assert "U0NOBODY is not one of the people of night" in refused
    assert "Maria Lopez (UMARIA)" in refused
    assert main(["oncall", "feed", "nigth", "--team", TEAM]) == 1
    assert "There is no on-call schedule named `nigth`. Did you mean night?" in (
        capsys.readouterr().err
    )
