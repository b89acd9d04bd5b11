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
# Argon2id at its cheapest for every process of the run: the suite signs up ~270 accounts with a
# password, each ~0.4 s of CPU at the production cost (RFC 9106: 3 passes over 64 MiB, 4 lanes)
# and ~1 ms at this one. The hashing is the same code; tests/auth/test_registration.py checks
# that a hash of other parameters is replaced at the next sign-in.
os.environ.update(
    {
        "WC_PASSWORD_HASH_TIME_COST": "1",
        "WC_PASSWORD_HASH_MEMORY_KIB": "1024",
        "WC_PASSWORD_HASH_PARALLELISM": "1",
    }
)

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.app",
    "tests.fixtures.servers",  # before llm, which imports it
    "tests.fixtures.llm",
    "tests.fixtures.books",
    "tests.fixtures.webhook_receiver",
    "tests.fixtures.tracing",
    "tests.fixtures.run_report",
    "tests.fixtures.early",
]
