"""``WC_LOG_FORMAT``: readable lines on a terminal, JSON lines elsewhere, or as forced; the
trace and span ids on lines logged inside a span."""

import json
import logging
import os
import subprocess
import sys

import pytest

from core.tracing import span
from platform_api.http.logging import ConsoleFormatter, JsonFormatter
from tests.fixtures.tracing import Spans

LOG_ONE_LINE = (
    "import logging; from platform_api.http.logging import configure_logging; "
    "configure_logging('INFO', '{format}'); "
    "logging.getLogger('demo').info('api ready', extra={{'url': 'http://127.0.0.1:8000'}})"
)


def log_line(log_format: str, on_terminal: bool) -> str:
    """What one log call writes to stderr, on a pseudo-terminal or on a pipe."""
    code = LOG_ONE_LINE.format(format=log_format)
    if not on_terminal:
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        return run.stderr.strip()
    leader, terminal = os.openpty()
    subprocess.run([sys.executable, "-c", code], stderr=terminal, check=True)
    os.close(terminal)
    return os.read(leader, 4096).decode().strip()


@pytest.mark.parametrize(
    ("log_format", "on_terminal", "json_expected"),
    [("auto", True, False), ("auto", False, True), ("json", True, True), ("console", False, False)],
)
def test_log_format(log_format: str, on_terminal: bool, json_expected: bool) -> None:
    line = log_line(log_format, on_terminal)
    if json_expected:
        entry = json.loads(line)
        assert entry["msg"] == "api ready" and entry["url"] == "http://127.0.0.1:8000"
    else:
        assert line.endswith("INFO    api ready (url=http://127.0.0.1:8000)"), line


def test_log_lines_inside_a_span_carry_its_trace_and_span_ids(spans: Spans) -> None:
    record = logging.makeLogRecord({"msg": "outside", "levelno": logging.INFO})
    assert "trace_id" not in json.loads(JsonFormatter().format(record))
    with span("tutor.turn") as current:
        record = logging.makeLogRecord({"msg": "inside", "levelno": logging.INFO})
        entry = json.loads(JsonFormatter().format(record))
        readable = ConsoleFormatter().format(record)
    context = current.get_span_context()
    assert entry["trace_id"] == format(context.trace_id, "032x")
    assert entry["span_id"] == format(context.span_id, "016x")
    assert f"trace_id={entry['trace_id']}" in readable
