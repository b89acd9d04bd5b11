"""How rows, parameters and results travel to and from ClickHouse; shared by both backends.

Rows go in as JSONEachRow and results come back as JSONEachRow, so ClickHouse parses every value
itself and no data is ever escaped into SQL text. Parameters are rendered by clickhouse-connect's
own binder into ClickHouse's escaped text form, which is what a server receives as
``param_<name>`` and what chDB's ``params`` expects, so both backends bind identically.
"""

import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from clickhouse_connect.driver.binding import format_bind_value

from core.infra.analytics.base import AnalyticsError

# Applied to every statement: 64-bit integers as JSON numbers (a server quotes them by default),
# and ALTER TABLE ... DELETE returns only once its mutation has run on every replica.
SESSION_SETTINGS: dict[str, Any] = {
    "output_format_json_quote_64bit_integers": 0,
    "mutations_sync": 2,
}
ROW_FORMAT = "JSONEachRow"

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def insert_statement(table: str, rows: Iterable[Mapping[str, Any]]) -> str:
    """``INSERT INTO `table` (`a`, `b`)`` naming every column any row has, without FORMAT."""
    columns = dict.fromkeys(column for row in rows for column in row)
    return f"INSERT INTO {_identifier(table)} ({', '.join(map(_identifier, columns))})"


def encode_rows(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """Rows as JSONEachRow: UUIDs as strings, aware datetimes as UTC ``YYYY-MM-DD hh:mm:ss.f``."""
    option = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_APPEND_NEWLINE
    try:
        return b"".join(orjson.dumps(dict(row), default=_json_value, option=option) for row in rows)
    except orjson.JSONEncodeError as error:
        raise ValueError(str(error.__cause__ or error)) from error


def decode_rows(body: bytes) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in body.split(b"\n") if line]


def bind_values(parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    """Parameters with UUIDs and datetimes as text and sequences as lists (ClickHouse arrays)."""
    return {name: _plain(value) for name, value in (parameters or {}).items()}


def bind_text(parameters: Mapping[str, Any] | None) -> dict[str, str]:
    """Parameters in ClickHouse's escaped text form, as ``{name:Type}`` placeholders parse it."""
    return {name: format_bind_value(value) for name, value in bind_values(parameters).items()}


def utc_of(clickhouse_text: str) -> datetime:
    """A ClickHouse UTC DateTime(64) as it comes back (``2026-03-08 06:45:00[.123]``)."""
    return datetime.fromisoformat(clickhouse_text).replace(tzinfo=UTC)


def _identifier(name: str) -> str:
    if not _IDENTIFIER.fullmatch(name):
        raise AnalyticsError(f"{name!r} is not a plain table or column name")
    return f"`{name}`"


def _utc_text(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value}: analytics times must be timezone-aware")
    return value.astimezone(UTC).strftime(_DATETIME_FORMAT)


def _json_value(value: object) -> str:
    if isinstance(value, datetime):
        return _utc_text(value)
    raise TypeError(f"{type(value).__name__} cannot be stored in ClickHouse")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return _utc_text(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
