"""Resilience tests. Those about PostgreSQL itself (its connection cut while the app runs,
two `opsbot serve` processes sharing it) are collected only when OPSBOT_TEST_DATABASE_URL
names a PostgreSQL database; the others run on every backend through the shared
`database_url` fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.clock import ManualClock
from bot.runtime import Runtime
from tests.conftest import PG_URL, instance

POSTGRESQL_ONLY = ["test_database_outage.py", "test_two_serve_processes.py"]
collect_ignore = [] if PG_URL else POSTGRESQL_ONLY


@pytest.fixture
def second_runtime(runtime: Runtime, clock: ManualClock) -> Iterator[Runtime]:
    """Another instance of the bot on the same database, the same clock and the same Slack."""
    other = instance(runtime.settings, clock)
    yield other
    other.close()
