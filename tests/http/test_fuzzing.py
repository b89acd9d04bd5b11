"""Schemathesis against the whole API, signed in as each role: any finding fails the suite.

The API runs in this process on its embedded stores and a loopback port; the schemathesis CLI
runs every check over every operation, once per role with a fresh account: explicit examples,
fuzzing and stateful sequences for every role, and the coverage phase (boundary values of every
parameter, ~2,500 requests whatever the budget) as the admin, whom no role gate stops. The budget
is small and the seed fixed, so CI gets the same requests every time; ``make fuzz`` runs the same
test with a larger, random budget and coverage for every role (``WC_FUZZ_MAX_EXAMPLES``,
``WC_FUZZ_SEED=random``, ``WC_FUZZ_COVERAGE=all``).

The LLM and the proctor are absent (their URLs are closed ports): the tutor, content-job and
proctoring operations are fuzzed all the same and must answer with their documented statuses.
``DELETE /api/v1/users/me`` erases the caller, so it runs last, alone, with an account of its
own; what a token of an erased account gets afterwards is tested in
tests/users/test_account_revocation.py.
"""

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fixtures.app import Account, Api, make_settings, running_api, served_on_loopback
from tests.fixtures.postgres import free_port

ROLES = ("student", "teacher", "parent", "admin", "content_editor", "proctor")
ERASE_ME = "DELETE /api/v1/users/me"
CONCURRENT_RUNS = 2
SEED = os.environ.get("WC_FUZZ_SEED", "20261201")
MAX_EXAMPLES = int(os.environ.get("WC_FUZZ_MAX_EXAMPLES", "4"))
COVERAGE_ROLES = ROLES if os.environ.get("WC_FUZZ_COVERAGE") == "all" else ("admin",)
ALL_PHASES = "examples,coverage,fuzzing,stateful"
CONFIG = Path(__file__).with_name("schemathesis.toml")
SCHEMATHESIS = [sys.executable, "-m", "schemathesis.cli", f"--config-file={CONFIG}"]


def fuzz_command(base_url: str, account: Account, report_dir: Path, *filters: str) -> list[str]:
    phases = ALL_PHASES if account.role in COVERAGE_ROLES else "examples,fuzzing,stateful"
    command = [
        *SCHEMATHESIS,
        "run",
        f"{base_url}/openapi.json",
        "--checks=all",
        f"--phases={phases}",
        f"--max-examples={MAX_EXAMPLES}",
        "--workers=1",
        "--no-color",
        "--suppress-health-check=all",
        f"--header=Authorization: Bearer {account.access_token}",
        "--report=ndjson",
        f"--report-dir={report_dir}",
        *filters,
    ]
    if SEED != "random":
        command += [f"--seed={SEED}", "--generation-deterministic"]
    else:
        command.append("--generation-database=none")
    return command


async def run_schemathesis(command: list[str], folder: Path) -> tuple[int, str]:
    folder.mkdir(parents=True, exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        *command, cwd=folder, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, output.decode(errors="replace")


@pytest.fixture
async def fuzzed_api(database_url_for_test: str, tmp_path: Path) -> AsyncIterator[tuple[Api, str]]:
    # No LLM or proctor answers on a closed port: their operations must fail as documented.
    settings = make_settings(
        database_url_for_test,
        tmp_path / "data",
        llm_base_url=f"http://127.0.0.1:{free_port()}/v1",
        proctor_url=f"http://127.0.0.1:{free_port()}/proctor",
        # The fuzzer subscribes webhooks and push endpoints to whatever host names it makes up:
        # sending to them would ask the machine's DNS resolver about names outside this machine.
        egress=False,
        log_level="ERROR",
    )
    async for api in running_api(settings):
        async with served_on_loopback(api.app) as base_url:
            yield api, base_url


async def fuzz_as(api: Api, base_url: str, role: str, folder: Path, *filters: str) -> str | None:
    """One schemathesis run with a fresh account of ``role``: its findings, or None."""
    account = await api.account(role)
    started = time.perf_counter()
    code, output = await run_schemathesis(fuzz_command(base_url, account, folder, *filters), folder)
    seconds = time.perf_counter() - started
    print(f"schemathesis as {role} {' '.join(filters)}: exit {code} in {seconds:.1f} s")
    return f"--- as {role} {' '.join(filters)} (exit {code}):\n{output}" if code != 0 else None


@pytest.mark.slow
async def test_schemathesis_finds_nothing(fuzzed_api: tuple[Api, str], tmp_path: Path) -> None:
    api, base_url = fuzzed_api
    # The roles' runs go two at a time: one run keeps about one core busy between the API (in
    # this process) and its schemathesis process, each waiting for the other. Each run signs in
    # with an account of its own and its stateful links follow ids from its own responses (an
    # admin's run may still meet another run's rows in a listing); erasure goes last, alone. The
    # longest runs (those with the coverage phase, ~2,500 requests) start first.
    door = asyncio.Semaphore(CONCURRENT_RUNS)
    roles = sorted(ROLES, key=lambda role: role not in COVERAGE_ROLES)

    async def fuzz(number: int, role: str) -> str | None:
        async with door:
            folder = tmp_path / f"{number}-{role}"
            return await fuzz_as(api, base_url, role, folder, f"--exclude-name={ERASE_ME}")

    results = await asyncio.gather(*(fuzz(number, role) for number, role in enumerate(roles)))
    erased = await fuzz_as(api, base_url, "admin", tmp_path / "erase", f"--include-name={ERASE_ME}")
    findings = [found for found in (*results, erased) if found is not None]
    assert not findings, "\n".join(findings)
