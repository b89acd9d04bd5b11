"""Embedded ClickHouse: chDB in-process, its data in one directory.

A process hosts one chDB engine bound to one data path, and a data path belongs to one process:
the API process opens it, and facts from elsewhere reach it as events on the bus. chDB calls
block, so they run in a worker thread, one at a time.
"""

import asyncio
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from core.infra.analytics.base import AnalyticsError
from core.infra.analytics.encoding import (
    ROW_FORMAT,
    SESSION_SETTINGS,
    bind_text,
    decode_rows,
    encode_rows,
    insert_statement,
)
from core.infra.analytics.schema import SCHEMA

T = TypeVar("T")


class ChdbAnalytics:
    """ClickHouse's engine in this process on ``path``; opened on first use."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._connection: Any = None
        self._closed = False
        self._lock = threading.Lock()

    async def ensure_schema(self) -> None:
        for statement in SCHEMA:
            await self.execute(statement)

    async def insert(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            await self._call(_insert, insert_statement(table, rows), encode_rows(rows))

    async def query(
        self, sql: str, parameters: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        return decode_rows(await self._call(_query, sql, bind_text(parameters)))

    async def execute(self, sql: str, parameters: Mapping[str, Any] | None = None) -> None:
        await self._call(_query, sql, bind_text(parameters))

    async def close(self) -> None:
        await asyncio.to_thread(self._close)

    async def _call(self, operation: Callable[..., T], *arguments: Any) -> T:
        return await asyncio.to_thread(self._locked, operation, *arguments)

    def _locked(self, operation: Callable[..., T], *arguments: Any) -> T:
        with self._lock:
            connection = self._connect()
            try:
                return operation(connection, *arguments)
            except RuntimeError as error:  # chDB's ChdbError and its streaming-insert errors
                raise AnalyticsError(str(error)) from error

    def _connect(self) -> Any:
        if self._closed:
            raise AnalyticsError("the analytics store is closed")
        if self._connection is None:
            import chdb  # imported here: only the process that owns the data path pays for it

            self._path.mkdir(parents=True, exist_ok=True)
            try:
                connection = chdb.connect(str(self._path))
            except RuntimeError as error:
                raise AnalyticsError(
                    f"chDB could not open {self._path}: {error}. One process hosts one chDB data "
                    "path; set WC_CLICKHOUSE_URL to share analytics between processes."
                ) from error
            for name, value in SESSION_SETTINGS.items():
                connection.query(f"SET {name} = {value}")
            self._connection = connection
        return self._connection

    def _close(self) -> None:
        with self._lock:
            self._closed = True
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def _insert(connection: Any, statement: str, body: bytes) -> None:
    # A streaming insert hands the rows to ClickHouse's JSON parser apart from the SQL text.
    with connection.send_insert(statement, ROW_FORMAT) as inserter:
        inserter.append(body)
        inserter.finish()


def _query(connection: Any, sql: str, parameters: dict[str, str]) -> bytes:
    result: bytes = connection.query(sql, ROW_FORMAT, params=parameters).bytes()
    return result
