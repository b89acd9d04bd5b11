"""Stopping the child processes the platform starts (an API, a model server, a runner)."""

import subprocess
from typing import Any


def stop_process(process: "subprocess.Popen[Any]", grace_seconds: float) -> None:
    """SIGTERM, time to shut down cleanly, then SIGKILL; the process is reaped either way."""
    process.terminate()
    try:
        process.wait(grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
