"""Ack latency and throughput over HTTP: `opsbot serve` against a bare ack-only Bolt app
served the same way, with wrk replaying signed slash commands at several concurrencies, on
a database holding a realistic year (bench/seed_year.py). Then the serving process's memory,
and a fan-out of 1,000 huddles through a rate-limited fake Slack while commands keep coming.

Environment: OPSBOT_BENCH_DATABASE_URL (default: a SQLite file), OPSBOT_BENCH_SECONDS
(per run, default 5), OPSBOT_BENCH_CONCURRENCY (default "1,8,32,64"),
OPSBOT_BENCH_FANOUT (huddles in the fan-out, default 1000; 0 skips it),
OPSBOT_BENCH_LOADS (command prefixes of the loads to run, e.g. "/kpi"; default all).
Each load gets an unrecorded 3-second warm-up at concurrency 8 first.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from bench.seed_year import DAYS, KPI_NAMES, empty_tables, seed_history, seed_year
from bot.config import load_settings
from bot.db import Database
from bot.migrate import upgrade
from bot.services import huddle
from bot.services.schedule import EVERY_DAY
from bot.standin.driver import sign
from bot.standin.server import ApiCall, FakeSlack

HERE = Path(__file__).resolve().parent
SECRET = "bench-secret"
TEAM = "T0BENCH"
CHANNEL = "C0BENCH"
WORKERS, THREADS = 2, 8
WARM_UP_SECONDS = 3
STORED_VALUES = 1_000_000


@dataclass(frozen=True)
class Load:
    name: str
    command: str
    texts: tuple[str, ...]
    channels: int = 1  # each request in the next of this many channels
    requests: int = 200  # distinct signed requests that wrk replays in turn


LOADS = (
    Load("/ops help", "/ops", ("help",)),
    Load("/escalate list", "/escalate", ("list",)),
    Load(
        "/escalate sev3 …",
        "/escalate",
        tuple(f"sev3 Dock door {n} stuck open" for n in range(200)),
    ),
    Load("/kpi <name>", "/kpi", KPI_NAMES),
    # Every lookup in a channel that has not had that chart yet: each one posts its chart.
    Load("/kpi <name>, new chart", "/kpi", KPI_NAMES, channels=400, requests=20_000),
)


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError as error:
            if getattr(error, "code", None) in (404, 405):
                return
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def _ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


def _signed_requests(load: Load, path: Path, fake_url: str) -> None:
    ts = str(int(time.time()))
    with path.open("w") as out:
        for number in range(load.requests):
            place = number // len(load.texts) % load.channels  # every text once per channel
            channel = CHANNEL if load.channels == 1 else f"{CHANNEL}{place:04d}"
            body = urlencode(
                {
                    "command": load.command,
                    "text": load.texts[number % len(load.texts)],
                    "team_id": TEAM,
                    "user_id": f"UBENCH{number % 20}",
                    "channel_id": channel,
                    "response_url": f"{fake_url}respond/bench{number}",
                    "trigger_id": f"trigger.{number}",
                }
            )
            out.write(f"{ts}\t{sign(SECRET, ts, body.encode())}\t{body}\n")


def _wrk(
    wrk: str, url: str, script_input: Path, concurrency: int, seconds: int
) -> dict[str, float]:
    output = subprocess.run(
        [
            wrk,
            f"-t{min(2, concurrency)}",
            f"-c{concurrency}",
            f"-d{seconds}s",
            "-s",
            str(HERE / "wrk_signed.lua"),
            url,
            "--",
            str(script_input),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    line = next(row for row in output.splitlines() if row.startswith("RESULT"))
    requests, duration_us, errors, p50, p95, p99, worst = line.split()[1:]
    return {
        "rps": int(requests) / (int(duration_us) / 1e6),
        "errors": int(errors),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "max": float(worst),
    }


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (gunicorn's master and workers)."""
    total_kib = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total_kib += next(
            int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")
        )
        pids.extend(int(child) for child in children)
    return total_kib / 1024


def _row(name: str, concurrency: int, ours: dict[str, float], bare: dict[str, float]) -> str:
    return (
        f"{name:<18}{concurrency:>5}{ours['rps']:>11.0f}{ours['p50']:>8.1f}"
        f"{ours['p95']:>8.1f}{ours['p99']:>8.1f}{bare['rps']:>10.0f}{bare['p99']:>9.1f}"
        f"{ours['rps'] / bare['rps']:>7.2f}{int(ours['errors'] + bare['errors']):>7}"
    )


def fanout(
    db: Database, fake: FakeSlack, wrk: str, opsbot_url: str, script_input: Path, huddles: int
) -> None:
    """`huddles` channels whose huddle falls due at the next minute: the serving process's
    scheduler posts them all through the fake Slack, which refuses a second post to a channel
    within a second (429, Retry-After: 1); wrk measures command acks meanwhile."""
    now = datetime.now(UTC)
    due = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    with db.session() as session:
        for number in range(huddles):
            huddle.configure(
                session,
                team_id=TEAM,
                channel_id=f"CHUDDLE{number:04d}",
                at=due.time(),
                tz="UTC",
                days=EVERY_DAY,
                default_tz="UTC",
                user_id="UBENCH0",
                now=now - timedelta(days=1),
            )
    posted: list[float] = []

    def record(call: ApiCall) -> None:
        if call.method == "chat.postMessage" and str(call.get("channel")).startswith("CHUDDLE"):
            posted.append(time.monotonic())

    fake.listeners.append(record)
    fake.limit_rate("chat.postMessage", per_channel_seconds=1.0)
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds() - 2))
    quiet = _wrk(wrk, opsbot_url, script_input, 8, 2)
    result: dict[str, dict[str, float]] = {}
    seconds = int(os.environ.get("OPSBOT_BENCH_FANOUT_SECONDS", "30"))
    load = threading.Thread(
        target=lambda: result.update(busy=_wrk(wrk, opsbot_url, script_input, 8, seconds))
    )
    load.start()
    deadline = time.monotonic() + seconds + 120
    while len(posted) < huddles and time.monotonic() < deadline:
        time.sleep(0.2)
    load.join()
    fake.listeners.remove(record)
    refused = sum(1 for call in fake.calls if call.status == 429)
    span = posted[-1] - posted[0] if len(posted) > 1 else 0.0
    busy = result["busy"]
    print(
        f"fan-out: {len(posted)} of {huddles} huddles posted in {span:.1f} s "
        f"({len(posted) / max(span, 0.001):.0f}/s), {refused} answers were 429; "
        f"/escalate list acks at concurrency 8 meanwhile: p50 {busy['p50']:.1f} ms, "
        f"p99 {busy['p99']:.1f} ms, {busy['rps']:.0f} req/s, {int(busy['errors'])} errors "
        f"(before it: p50 {quiet['p50']:.1f} ms, p99 {quiet['p99']:.1f} ms)"
    )


def main() -> None:
    wrk = _ensure_wrk()
    seconds = int(os.environ.get("OPSBOT_BENCH_SECONDS", "5"))
    levels = [int(c) for c in os.environ.get("OPSBOT_BENCH_CONCURRENCY", "1,8,32,64").split(",")]
    huddles = int(os.environ.get("OPSBOT_BENCH_FANOUT", "1000"))
    wanted = os.environ.get("OPSBOT_BENCH_LOADS", "")  # e.g. "/kpi,/ops": command prefixes
    loads = [load for load in LOADS if not wanted or load.name.startswith(tuple(wanted.split(",")))]
    fake = FakeSlack(team_id=TEAM).start()
    with tempfile.TemporaryDirectory() as tmp:
        database_url = load_settings(
            _env_file=None,
            database_url=os.environ.get("OPSBOT_BENCH_DATABASE_URL")
            or f"sqlite:///{Path(tmp) / 'bench.db'}",
        ).database_url
        upgrade(database_url)
        db = Database(database_url)
        empty_tables(db.engine)
        started = time.perf_counter()
        now = datetime.now(UTC)
        seed_year(db, team_id=TEAM, channel_id=CHANNEL, now=now)
        # The memory figure is taken with a million KPI values stored.
        seed_history(db, team_id=TEAM, now=now, values=STORED_VALUES - len(KPI_NAMES) * DAYS)
        print(
            f"seeded a year (5,000 escalations, 50 KPIs x 365 days) and a KPI with 9.5 years "
            f"of 5-minute values ({STORED_VALUES:,} values in all) on {db.engine.dialect.name} "
            f"in {time.perf_counter() - started:.1f} s"
        )
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
            "DATABASE_URL": database_url,
            "OPSBOT_LOG_LEVEL": "WARNING",
            "OPSBOT_TICK_SECONDS": "1",
        }
        opsbot_port, bare_port = _port(), _port()
        opsbot = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("opsbot")),
                "serve",
                "--port",
                str(opsbot_port),
                "--workers",
                str(WORKERS),
                "--threads",
                str(THREADS),
            ],
            env=env,
            cwd=tmp,
        )
        bare = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.bare_app",
                "--port",
                str(bare_port),
                "--secret",
                SECRET,
                "--api-url",
                fake.api_url,
            ],
            env=env,
            cwd=HERE.parent,
        )
        opsbot_url = f"http://127.0.0.1:{opsbot_port}"
        try:
            _wait_ready(f"{opsbot_url}/healthz")
            _wait_ready(f"http://127.0.0.1:{bare_port}/slack/events")
            idle = rss_mib(opsbot.pid)
            print(
                f"{seconds}s per run, wrk, opsbot serve with {WORKERS} workers x {THREADS} "
                "threads; latencies in ms"
            )
            print(
                f"{'load':<18}{'conc':>5}{'opsbot rps':>11}{'p50':>8}{'p95':>8}{'p99':>8}"
                f"{'bare rps':>10}{'bare p99':>9}{'ratio':>7}{'errors':>7}"
            )
            for load in loads:
                script_input = Path(tmp) / "requests.tsv"
                _signed_requests(load, script_input, fake.url)
                # Unrecorded warm-up: each worker's first lookups draw charts and fill caches.
                _wrk(wrk, opsbot_url, script_input, 8, WARM_UP_SECONDS)
                for concurrency in levels:
                    ours = _wrk(wrk, opsbot_url, script_input, concurrency, seconds)
                    ceiling = _wrk(
                        wrk, f"http://127.0.0.1:{bare_port}", script_input, concurrency, seconds
                    )
                    print(_row(load.name, concurrency, ours, ceiling), flush=True)
            print(
                f"memory (RSS of gunicorn master + {WORKERS} workers and their drawing processes, "
                f"{STORED_VALUES:,} KPI values stored): idle {idle:.0f} MiB, "
                f"after the loads {rss_mib(opsbot.pid):.0f} MiB"
            )
            if huddles:
                # Back to the seeded year: the /escalate sev3 runs opened a thousand more.
                empty_tables(db.engine)
                seed_year(db, team_id=TEAM, channel_id=CHANNEL, now=datetime.now(UTC))
                list_input = Path(tmp) / "list.tsv"
                _signed_requests(LOADS[1], list_input, fake.url)
                fanout(db, fake, wrk, opsbot_url, list_input, huddles)
        finally:
            for server in (opsbot, bare):
                server.terminate()
                server.wait(timeout=60)
            db.dispose()
            fake.stop()
