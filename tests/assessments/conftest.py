"""The assessments tests' app: the sweeper off (tests run it, or time it, themselves).

The outbox relay polls slowly: these tests read the events from the outbox table, and a relay
polling every 50 ms took most of the CPU of a test on a loaded machine.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fixtures.app import Api, make_settings, running_api


@pytest.fixture
async def api(database_url_for_test: str, tmp_path: Path) -> AsyncIterator[Api]:
    settings = make_settings(
        database_url_for_test, tmp_path, sitting_sweep_seconds=0, outbox_poll_seconds=2
    )
    async for running in running_api(settings):
        yield running


@pytest.fixture
async def swept_api(database_url_for_test: str, tmp_path: Path) -> AsyncIterator[Api]:
    """The app with its background deadline sweeper running every 50 ms."""
    settings = make_settings(
        database_url_for_test, tmp_path, sitting_sweep_seconds=0.05, outbox_poll_seconds=2
    )
    async for running in running_api(settings):
        yield running
