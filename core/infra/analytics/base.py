"""The analytics-store interface: ClickHouse tables of facts, written by events, read by SQL."""

from collections.abc import Mapping, Sequence
from typing import Any, Protocol


class AnalyticsError(Exception):
    """ClickHouse refused a statement or could not be reached."""


class AnalyticsStore(Protocol):
    """ClickHouse SQL over append-only event tables (see ``schema``).

    Values are bound by ClickHouse itself through ``{name:Type}`` placeholders, never formatted into
    the SQL text. Values travel as JSON both ways: pass UUIDs and timezone-aware datetimes as
    Python objects; rows come back with UUIDs and datetimes as strings (``2024-05-01 12:00:00.123``,
    UTC), numbers as numbers, booleans as booleans and arrays as lists. Failures raise
    ``AnalyticsError``.
    """

    async def ensure_schema(self) -> None:
        """Create the tables that are missing; safe to call at every start."""
        ...

    async def insert(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert rows keyed by column name; a column a row leaves out gets its default."""
        ...

    async def query(
        self, sql: str, parameters: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]: ...

    async def execute(self, sql: str, parameters: Mapping[str, Any] | None = None) -> None:
        """Run a statement that returns no rows (DDL, ``ALTER TABLE ... DELETE``); mutations
        have finished when it returns."""
        ...

    async def close(self) -> None: ...
