"""Analytics stores on a fresh data path per test, for each backend.

No ClickHouse server can run on this machine (Debian's is too old for clickhouse-connect), so the
server adapter, ``ClickHouseAnalytics``, drives clickhouse-connect's own chDB backend here: its
SQL, parameter binding, JSON encoding and error mapping run for real, and only clickhouse-connect's
HTTP transport goes untested.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import clickhouse_connect
import pytest

from core.infra.analytics import AnalyticsStore
from core.infra.analytics.chdb import ChdbAnalytics
from core.infra.analytics.clickhouse import ClickHouseAnalytics

BACKENDS = ["chdb", "clickhouse-connect"]


def open_analytics(backend: str, path: Path) -> AnalyticsStore:
    if backend == "chdb":
        return ChdbAnalytics(path)
    return ClickHouseAnalytics(
        lambda: clickhouse_connect.get_client(interface="chdb", path=str(path))
    )


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    return backend


@pytest.fixture
def analytics_path(tmp_path: Path) -> Path:
    return tmp_path / "clickhouse"


@pytest.fixture
async def analytics(backend: str, analytics_path: Path) -> AsyncIterator[AnalyticsStore]:
    store = open_analytics(backend, analytics_path)
    await store.ensure_schema()
    yield store
    await store.close()
