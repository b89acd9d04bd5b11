"""The analytics store in the process's stores: embedded by default, a server when configured."""

from pathlib import Path

from core.infra.analytics.chdb import ChdbAnalytics
from core.infra.analytics.clickhouse import ClickHouseAnalytics
from platform_api.wiring import build_analytics, open_stores
from tests.fixtures.app import make_settings


async def test_each_start_opens_chdb_in_its_data_dir_and_close_releases_it(
    database_url_for_test: str, tmp_path: Path
) -> None:
    # One process, two starts on different data dirs (as the API tests do): the second can only
    # open its chDB path if closing the first released the process's engine.
    for data_dir in (tmp_path / "first", tmp_path / "second"):
        stores = await open_stores(make_settings(database_url_for_test, data_dir))
        try:
            assert isinstance(stores.analytics, ChdbAnalytics)
            rows = await stores.analytics.query("SELECT count() AS turns FROM tutor_turns")
            assert rows == [{"turns": 0}]
        finally:
            await stores.close()
        assert (data_dir / "clickhouse").is_dir()


def test_a_clickhouse_url_selects_the_server_adapter(tmp_path: Path) -> None:
    settings = make_settings("", tmp_path, clickhouse_url="https://wc:secret@ch.internal:8443/wc")
    assert isinstance(build_analytics(settings), ClickHouseAnalytics)
