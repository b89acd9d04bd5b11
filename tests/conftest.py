"""Test-suite wiring: real servers on loopback, started once per session when none answers."""

import os

from serving.ray_runtime import LOCAL_RAY_SWITCHES

# Every Ray this process starts or joins is on loopback; Ray reads the switch when it is first
# imported, and any test module may be the first to import it (serving/ray_runtime.py).
os.environ.update(LOCAL_RAY_SWITCHES)

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.app",
    "tests.fixtures.servers",  # before llm, which imports it
    "tests.fixtures.llm",
    "tests.fixtures.books",
    "tests.fixtures.webhook_receiver",
]
