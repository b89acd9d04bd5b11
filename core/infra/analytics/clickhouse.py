"""ClickHouse server through clickhouse-connect (HTTP), for several API processes or nodes.

The blocking client runs in worker threads and keeps no server session, so calls may overlap.
Statements, rows and parameters are encoded by ``encoding`` exactly as for chDB, and the client
is built by a factory, so the contract tests run this adapter on clickhouse-connect's own chDB
backend as well.
"""

import asyncio
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError

from core.infra.analytics.base import AnalyticsError
from core.infra.analytics.encoding import (
    ROW_FORMAT,
    SESSION_SETTINGS,
    bind_values,
    decode_rows,
    encode_rows,
    insert_statement,
)
from core.infra.analytics.schema import SCHEMA

T = TypeVar("T")


class ClickHouseAnalytics:
    """A clickhouse-connect client from ``connect``, made on first use."""

    def __init__(self, connect: Callable[[], Client]) -> None:
        self._connect = connect
        self._client: Client | None = None
        self._closed = False
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str) -> "ClickHouseAnalytics":
        """``url``: ``http(s)://user:password@host:8123/database`` (the database must exist)."""
        # clickhouse-connect reads host, port, credentials and database from a DSN, not its scheme.
        interface = urlsplit(url).scheme

        def connect() -> Client:
            return clickhouse_connect.get_client(
                dsn=url, interface=interface, autogenerate_session_id=False
            )

        return cls(connect)

    async def ensure_schema(self) -> None:
        for statement in SCHEMA:
            await self.execute(statement)

    async def insert(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        statement = f"{insert_statement(table, rows)} FORMAT {ROW_FORMAT}"
        body = encode_rows(rows)
        await self._call(
            lambda client: client.command(statement, data=body, settings=SESSION_SETTINGS)
        )

    async def query(
        self, sql: str, parameters: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        values = bind_values(parameters)
        body = await self._call(
            lambda client: client.raw_query(sql, values, fmt=ROW_FORMAT, settings=SESSION_SETTINGS)
        )
        return decode_rows(body)

    async def execute(self, sql: str, parameters: Mapping[str, Any] | None = None) -> None:
        values = bind_values(parameters)
        await self._call(lambda client: client.command(sql, values, settings=SESSION_SETTINGS))

    async def close(self) -> None:
        await asyncio.to_thread(self._close)

    async def _call(self, operation: Callable[[Client], T]) -> T:
        def run() -> T:
            try:
                return operation(self._connected())
            except ClickHouseError as error:
                raise AnalyticsError(str(error)) from error

        return await asyncio.to_thread(run)

    def _connected(self) -> Client:
        with self._lock:
            if self._closed:
                raise AnalyticsError("the analytics store is closed")
            if self._client is None:
                self._client = self._connect()
            return self._client

    def _close(self) -> None:
        with self._lock:
            self._closed = True
            if self._client is not None:
                self._client.close()
                self._client = None
