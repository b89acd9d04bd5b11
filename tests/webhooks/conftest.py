"""Webhook tests: the real app with the loopback receiver (tests/fixtures/webhook_receiver.py)
allow-listed and retries made fast."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fixtures.app import Api, make_settings, running_api

FAST_RETRIES = {
    "webhook_allowed_networks": ["127.0.0.1/32"],
    "webhook_max_attempts": 4,
    "webhook_retry_base_seconds": 0.05,
    "webhook_retry_max_seconds": 0.2,
    "webhook_disable_after_seconds": 0,
    "webhook_dispatch_poll_seconds": 0.05,
    "webhook_timeout_seconds": 5,
}


@pytest.fixture
async def webhook_api(database_url_for_test: str, tmp_path: Path) -> AsyncIterator[Api]:
    async for running in running_api(
        make_settings(database_url_for_test, tmp_path, **FAST_RETRIES)
    ):
        yield running
