"""What `wc run` tells a person while it starts: one line when each part is ready or stopped.

The LLM application, the content runner and the MLflow UI run as child processes whose output
(Ray's and vLLM's included) goes to files under ``<data_dir>/logs``, so the console keeps to
these lines.
"""

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from core.settings import Settings
from platform_api.status import (
    PartStatus,
    api_status,
    llm_status,
    mlflow_ui_status,
    runner_status,
)
from serving.settings import ServingSettings

POLL_SECONDS = 2.0
# How long the content runner's start waits for the LLM application's local Ray (up in seconds)
# before it goes on with a Ray of its own.
RAY_ADDRESS_WAIT_SECONDS = 120.0


@dataclass(frozen=True)
class Child:
    """A `wc` sub-command run beside the API, and the file its output goes to."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path


def start_child(
    name: str, command: list[str], log: Path, env: dict[str, str] | None = None
) -> Child:
    """``command`` as a child process writing to ``log`` (appended: earlier runs stay), with
    ``env`` added to this process's environment."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            env={**os.environ, **(env or {})},
        )
    return Child(name, process, log)


def mlflow_ui_command(settings: Settings) -> list[str]:
    """The MLflow server of this environment on the embedded store, on loopback only."""
    return [
        str(Path(sys.executable).with_name("mlflow")),
        "server",
        "--backend-store-uri",
        settings.tracking_uri,
        "--host",
        "127.0.0.1",
        "--port",
        str(settings.mlflow_ui_port),
        "--workers",
        "1",
    ]


def start_llm(settings: Settings) -> list[Child]:
    """The LLM application, when the settings ask for it. It needs no database, and its start
    (Ray, then the engine: over a minute on a small machine) is the longest part of `wc run`'s,
    so it starts first, while the database and the demo course are prepared."""
    if not settings.serve_llm:
        return []
    address_file = llm_ray_address_file(settings)
    address_file.unlink(missing_ok=True)  # a stopped run's
    command = [sys.argv[0], "serve", "--ray-address-file", str(address_file)]
    return [start_child("LLM", command, settings.logs_dir / "llm.log")]


def llm_ray_address_file(settings: Settings) -> Path:
    """Where the LLM application writes its local Ray's address."""
    return settings.resolved_data_dir / "llm-ray-address"


def start_database_users(settings: Settings, started: list[Child]) -> list[Child]:
    """The content runner and the MLflow UI, as the settings ask: once the database is
    prepared (the runner's jobs and MLflow's runs are stored there). ``started``: the children
    already running (the LLM application, whose Ray the runner joins)."""
    wc, logs = sys.argv[0], settings.logs_dir
    children = []
    if settings.content_runner:
        log = logs / "content-runner.log"
        ray = llm_ray_environment(settings, started)
        children.append(start_child("content runner", [wc, "content", "runner"], log, ray))
    if settings.serves_mlflow_ui:
        log = logs / "mlflow-ui.log"
        # A UI only: none of the server's job workers and periodic tasks (GenAI scoring).
        quiet = {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
        children.append(start_child("MLflow UI", mlflow_ui_command(settings), log, quiet))
    return children


def llm_ray_environment(settings: Settings, started: list[Child]) -> dict[str, str]:
    """The content runner's workers run on the LLM application's local Ray instead of a second
    Ray of the runner's own (its processes, its start, its memory, on the same few cores). That
    Ray asks whoever joins for the token in ``~/.ray/auth_token``. Nothing to join when no LLM
    application runs here, or when it joined ``WC_RAY_ADDRESS`` (the runner joins that too)."""
    llm = next((child for child in started if child.name == "LLM"), None)
    if llm is None or ServingSettings().ray_address:
        return {}
    address = wait_for_ray_address(llm_ray_address_file(settings), llm, RAY_ADDRESS_WAIT_SECONDS)
    return {"WC_RAY_ADDRESS": address, "RAY_AUTH_MODE": "token"} if address else {}


def wait_for_ray_address(file: Path, llm: Child, timeout: float) -> str:
    """The address ``llm`` wrote to ``file``; empty when it exits or ``timeout`` passes first."""
    deadline = time.monotonic() + timeout
    while llm.process.poll() is None and time.monotonic() < deadline:
        if file.is_file():
            return file.read_text().strip()
        time.sleep(0.2)
    return ""


def part_checks(settings: Settings, children: list[Child]) -> dict[str, Callable[[], PartStatus]]:
    checks: dict[str, Callable[[], PartStatus]] = {"API": lambda: api_status(settings.local_url)}
    names = {child.name for child in children}
    if "LLM" in names:
        checks["LLM"] = lambda: llm_status(
            settings.llm_base_url, settings.llm_model, settings.llm_api_key
        )
    if "content runner" in names:
        checks["content runner"] = lambda: runner_status(settings)
    if "MLflow UI" in names and settings.mlflow_ui:
        ui = settings.mlflow_ui
        checks["MLflow UI"] = lambda: mlflow_ui_status(ui)
    return checks


def wait_until_up(
    name: str,
    check: Callable[[], PartStatus],
    child: Child | None,
    console: Console,
    stop: threading.Event,
) -> bool:
    """Print one line when ``check`` passes or the part's process exits; True when it is up."""
    while not stop.is_set():
        if child is not None and child.process.poll() is not None:
            report_stopped(child, console)
            return False
        status = check()
        if status.up:
            console.print(f"[green]✓[/] {name} ready: {status.detail}")
            return True
        stop.wait(POLL_SECONDS)
    return False


def report_stopped(child: Child, console: Console) -> None:
    console.print(
        f"[bold red]✗ {child.name} stopped[/] (exit code {child.process.returncode}); "
        f"see {child.log}"
    )


def report_exits(children: list[Child], console: Console, stop: threading.Event) -> None:
    """After start-up, one line for each part that stops before `wc run` does."""
    running = [child for child in children if child.process.poll() is None]
    while running and not stop.wait(POLL_SECONDS):
        for child in [child for child in running if child.process.poll() is not None]:
            report_stopped(child, console)
            running.remove(child)


def report_start(
    settings: Settings, children: list[Child], console: Console, stop: threading.Event
) -> None:
    """Say when each part is ready, watching each in its own thread (a slow LLM check must not
    hold the API's line); then say when a part stops."""
    by_name = {child.name: child for child in children}
    results: dict[str, bool] = {}

    def watch(name: str, check: Callable[[], PartStatus]) -> None:
        results[name] = wait_until_up(name, check, by_name.get(name), console, stop)

    threads = [
        threading.Thread(target=watch, args=item, daemon=True)
        for item in part_checks(settings, children).items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if results and all(results.values()):
        console.print(f"[bold green]Water Classroom is ready[/] on {settings.base_url}")
    report_exits(children, console, stop)
