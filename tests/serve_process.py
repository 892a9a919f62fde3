"""`opsbot serve` as a real process for tests: on a free loopback port, with an environment
holding only the settings the test gives, reached over HTTP, stopped with SIGTERM. Every test
running an `opsbot` command as a process starts from `OPSBOT` and `clean_env`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from bot.standin.driver import SlackDriver

OPSBOT = str(Path(sys.executable).with_name("opsbot"))
STARTUP_SECONDS = 30
# gunicorn's graceful timeout (30 s) plus the time to stop the schedulers.
STOP_SECONDS = 40


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_env(**values: str) -> dict[str, str]:
    """This process's environment without any Slack or Opsbot setting, plus `values`
    (PYTHONPATH and the rest are kept, so the child runs the same code)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "OPSBOT_", "DATABASE_URL"))
    }
    env.update(values)
    return env


def http_get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def http_post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return int(answer.status), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class ServeProcess:
    """`opsbot serve` started in `cwd`, its output going to `log`. As a context manager it
    starts the process on entry (several can then start side by side before each is waited
    for with `wait_until_healthy`) and kills it on exit if `stop` was not called."""

    def __init__(
        self, *, cwd: Path, env: dict[str, str], log: Path, workers: int = 1, threads: int = 4
    ) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.command = [
            OPSBOT,
            "serve",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ]
        self.cwd = cwd
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServeProcess:
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                self.command, cwd=self.cwd, env=self.env, stdout=output, stderr=subprocess.STDOUT
            )
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_SECONDS)

    def wait_until_healthy(self) -> None:
        """Wait until GET /healthz answers 200 (the database is reachable)."""
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"opsbot serve exited with {self.process.returncode}:\n{self.output()}"
                )
            try:
                if http_get(self.base_url + "/healthz") == 200:
                    return
            except OSError:
                pass  # not listening yet
            time.sleep(0.1)
        raise AssertionError(
            f"opsbot serve was not healthy within {STARTUP_SECONDS} s:\n{self.output()}"
        )

    def post_to_slack_events(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        return http_post(self.base_url + "/slack/events", body, headers)

    def driver(self, *, signing_secret: str, response_base_url: str, team_id: str) -> SlackDriver:
        """Signed Slack requests to this process's POST /slack/events."""
        return SlackDriver(
            signing_secret=signing_secret,
            transport=self.post_to_slack_events,
            response_base_url=response_base_url,
            team_id=team_id,
        )

    def stop(self) -> int:
        """SIGTERM, as a process manager stops it; returns the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=STOP_SECONDS)

    def output(self) -> str:
        """What the process printed and logged so far."""
        return self.log.read_text(errors="replace")
