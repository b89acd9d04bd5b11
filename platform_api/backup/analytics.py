"""The analytics part: every table's rows as JSON lines, read back by either backend.

An embedded (chDB) store belongs to the one process that opened it, so while an instance runs
its rows are read through that process (``GET /api/v1/backup/analytics/{table}``, admins only);
a ClickHouse server, or a chDB store no process holds, is read directly.
"""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson

from core.infra.analytics import AnalyticsStore
from core.infra.analytics.schema import LEARNER_TABLES
from platform_api.backup.manifest import ANALYTICS_DIR, AnalyticsTable, BackupInvalid, sha256_of

TABLES: tuple[str, ...] = LEARNER_TABLES
INSERT_BATCH = 5_000
HTTP_TIMEOUT_SECONDS = 300.0


async def table_lines(store: AnalyticsStore, table: str) -> AsyncIterator[bytes]:
    """The table's rows, one JSON object a line (raw rows: duplicates collapse when read)."""
    if table not in TABLES:
        raise BackupInvalid(f"{table} is not an analytics table.")
    for row in await store.query(f"SELECT * FROM {table}"):
        yield orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE)


async def _write(lines: AsyncIterator[bytes], target: Path) -> AnalyticsTable:
    rows = 0
    with target.open("wb") as out:
        async for line in lines:
            out.write(line)
            rows += line.count(b"\n")
    return AnalyticsTable(
        file=f"{ANALYTICS_DIR}/{target.name}", sha256=sha256_of(target), rows=rows
    )


async def export_from_store(store: AnalyticsStore, folder: Path) -> dict[str, AnalyticsTable]:
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    return {
        table: await _write(table_lines(store, table), folder / f"{table}.jsonl")
        for table in TABLES
    }


async def export_through_instance(
    base_url: str, access_token: str, folder: Path
) -> dict[str, AnalyticsTable]:
    """Ask the running instance, which owns the embedded store, for each table."""
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    headers = {"authorization": f"Bearer {access_token}"}
    exported = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=HTTP_TIMEOUT_SECONDS) as client:
        for table in TABLES:
            async with client.stream(
                "GET", f"/api/v1/backup/analytics/{table}", headers=headers
            ) as answer:
                if answer.status_code != 200:
                    await answer.aread()
                    raise BackupInvalid(f"The instance refused {table}: {answer.text}")
                exported[table] = await _write(_lines(answer), folder / f"{table}.jsonl")
    return exported


async def _lines(answer: httpx.Response) -> AsyncIterator[bytes]:
    async for line in answer.aiter_lines():
        if line:
            yield line.encode() + b"\n"


async def import_into_store(
    store: AnalyticsStore, folder: Path, tables: dict[str, AnalyticsTable]
) -> None:
    await store.ensure_schema()
    for table, part in tables.items():
        if table not in TABLES:
            raise BackupInvalid(f"{table} is not an analytics table of this release.")
        batch: list[dict[str, object]] = []
        with (folder / part.file).open("rb") as source:
            for line in source:
                batch.append(orjson.loads(line))
                if len(batch) == INSERT_BATCH:
                    await store.insert(table, batch)
                    batch = []
        await store.insert(table, batch)


async def count_rows(store: AnalyticsStore) -> dict[str, int]:
    return {
        table: int((await store.query(f"SELECT count() AS n FROM {table}"))[0]["n"])
        for table in TABLES
    }
