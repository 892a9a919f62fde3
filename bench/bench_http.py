"""Ack latency and throughput over HTTP: `opsbot serve` against a bare ack-only Bolt app
served the same way, with wrk replaying signed slash commands at several concurrencies.

Environment: OPSBOT_BENCH_DATABASE_URL (default: a SQLite file), OPSBOT_BENCH_SECONDS
(per run, default 5), OPSBOT_BENCH_CONCURRENCY (default "1,8,32,64").
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from bot.standin.driver import sign
from bot.standin.server import FakeSlack

HERE = Path(__file__).resolve().parent
SECRET = "bench-secret"
TEAM = "T0BENCH"


@dataclass(frozen=True)
class Load:
    name: str
    command: str
    texts: tuple[str, ...]


LOADS = (Load("/ops help", "/ops", ("help",)),)


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
        for number in range(200):
            body = urlencode(
                {
                    "command": load.command,
                    "text": load.texts[number % len(load.texts)],
                    "team_id": TEAM,
                    "user_id": f"UBENCH{number % 20}",
                    "channel_id": "C0BENCH",
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


def main() -> None:
    wrk = _ensure_wrk()
    seconds = int(os.environ.get("OPSBOT_BENCH_SECONDS", "5"))
    levels = [int(c) for c in os.environ.get("OPSBOT_BENCH_CONCURRENCY", "1,8,32,64").split(",")]
    fake = FakeSlack(team_id=TEAM).start()
    with tempfile.TemporaryDirectory() as tmp:
        database_url = (
            os.environ.get("OPSBOT_BENCH_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'bench.db'}"
        )
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
            "DATABASE_URL": database_url,
            "OPSBOT_LOG_LEVEL": "WARNING",
        }
        opsbot_port, bare_port = _port(), _port()
        servers = [
            subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("opsbot")),
                    "serve",
                    "--port",
                    str(opsbot_port),
                ],
                env=env,
                cwd=tmp,
            ),
            subprocess.Popen(
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
            ),
        ]
        try:
            _wait_ready(f"http://127.0.0.1:{opsbot_port}/healthz")
            _wait_ready(f"http://127.0.0.1:{bare_port}/slack/events")
            print(
                f"database: {database_url.split('://')[0]}, {seconds}s per run, "
                "wrk, opsbot serve with 2 workers x 8 threads"
            )
            print(
                f"{'load':<22}{'conc':>5}{'opsbot rps':>12}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
                f"{'bare rps':>10}{'ratio':>7}{'errors':>8}"
            )
            for load in LOADS:
                script_input = Path(tmp) / "requests.tsv"
                _signed_requests(load, script_input, fake.url)
                for concurrency in levels:
                    ours = _wrk(
                        wrk, f"http://127.0.0.1:{opsbot_port}", script_input, concurrency, seconds
                    )
                    bare = _wrk(
                        wrk, f"http://127.0.0.1:{bare_port}", script_input, concurrency, seconds
                    )
                    print(
                        f"{load.name:<22}{concurrency:>5}{ours['rps']:>12.0f}{ours['p50']:>9.1f}"
                        f"{ours['p95']:>9.1f}{ours['p99']:>9.1f}{bare['rps']:>10.0f}"
                        f"{ours['rps'] / bare['rps']:>7.2f}"
                        f"{int(ours['errors'] + bare['errors']):>8}",
                        flush=True,
                    )
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=60)
            fake.stop()
