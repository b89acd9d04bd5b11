"""Test-suite wiring: real servers on loopback, started once per session when none answers."""

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.app",
    "tests.fixtures.servers",  # before llm, which imports it
    "tests.fixtures.llm",
    "tests.fixtures.books",
]
