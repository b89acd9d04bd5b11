"""``WC_LOG_FORMAT``: readable lines on a terminal, JSON lines elsewhere, or as forced."""

import json
import os
import subprocess
import sys

import pytest

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
