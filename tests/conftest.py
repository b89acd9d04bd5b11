"""Test-suite wiring: real servers on loopback, started once per session when none answers."""

import os
from pathlib import Path

from core.personal_data import install_keys, load_keys
from serving.ray_runtime import LOCAL_RAY_SWITCHES
from tests.fixtures.personal_data import TEST_PERSONAL_DATA_KEYS

# Every Ray this process starts or joins is on loopback; Ray reads the switch when it is first
# imported, and any test module may be the first to import it (serving/ray_runtime.py).
os.environ.update(LOCAL_RAY_SWITCHES)
# One set of personal-data keys for the whole run, as one deployment has: apps, CLI subprocesses
# and bare test databases that share a database all open each other's sealed columns.
os.environ.update(TEST_PERSONAL_DATA_KEYS)
install_keys(load_keys(os.environ["WC_PII_KEY"], [], os.environ["WC_PII_HASH_KEY"], Path(".")))

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.app",
    "tests.fixtures.servers",  # before llm, which imports it
    "tests.fixtures.llm",
    "tests.fixtures.books",
    "tests.fixtures.webhook_receiver",
    "tests.fixtures.tracing",
    "tests.fixtures.run_report",
]
