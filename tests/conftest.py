"""Test-suite wiring: real servers on loopback, started once per session when none answers."""

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.app",
    "tests.fixtures.llm",
    "tests.fixtures.servers",
]
