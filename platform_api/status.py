"""Whether each part of a running instance is up: the API, the LLM, the content runner.

`wc run` uses these checks to say when each part is ready, `wc status` to report on an instance
started elsewhere. Each check says what it proves in its ``detail``.
"""

from dataclasses import dataclass

import httpx

from core.settings import Settings
from platform_api.content.heartbeat import live_beats

API_TIMEOUT_SECONDS = 5.0
# One generated token: slow only while the engine is still warming up.
LLM_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class PartStatus:
    name: str
    up: bool
    detail: str


def _answers(name: str, base_url: str, path: str, up_detail: str) -> PartStatus:
    """Up when ``GET base_url + path`` answers 200."""
    try:
        response = httpx.get(f"{base_url}{path}", timeout=API_TIMEOUT_SECONDS)
    except httpx.HTTPError as error:
        return PartStatus(name, False, f"{base_url} does not answer ({type(error).__name__})")
    if response.status_code != 200:
        return PartStatus(name, False, f"{base_url}{path} answered {response.status_code}")
    return PartStatus(name, True, up_detail)


def api_status(base_url: str) -> PartStatus:
    """Up when ``/readyz`` answers 200: the API serves and every store it uses answers."""
    return _answers("API", base_url, "/readyz", f"{base_url} (docs: {base_url}/docs)")


def llm_status(base_url: str, model: str, api_key: str) -> PartStatus:
    """Up when the model generates a token for a one-word prompt (not merely lists models)."""
    request = {"model": model, "max_tokens": 1, "messages": [{"role": "user", "content": "Hi"}]}
    try:
        response = httpx.post(
            f"{base_url}/chat/completions",
            json=request,
            headers={"authorization": f"Bearer {api_key}"},
            timeout=LLM_TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as error:
        return PartStatus("LLM", False, f"{base_url} does not answer ({type(error).__name__})")
    if response.status_code != 200:
        return PartStatus("LLM", False, f"{base_url} answered {response.status_code}")
    return PartStatus("LLM", True, f"{model} answers at {base_url}")


def mlflow_ui_status(ui: str) -> PartStatus:
    """Up when the MLflow server's ``/health`` answers."""
    return _answers("MLflow UI", ui, "/health", ui)


def runner_status(settings: Settings) -> PartStatus:
    """Up when a content runner on this machine beat recently (its process and loop are alive)."""
    beats = live_beats(settings.run_dir)
    if not beats:
        return PartStatus("content runner", False, f"no live heartbeat in {settings.run_dir}")
    described = ", ".join(f"pid {beat.pid}, beat {beat.age_seconds:.0f} s ago" for beat in beats)
    return PartStatus("content runner", True, described)


def instance_status(settings: Settings) -> list[PartStatus]:
    """Every part `wc run` starts with these settings (the LLM, the runner and the MLflow UI
    can be off)."""
    parts = [api_status(settings.local_url)]
    if settings.serve_llm:
        parts.append(llm_status(settings.llm_base_url, settings.llm_model, settings.llm_api_key))
    if settings.content_runner:
        parts.append(runner_status(settings))
    if settings.serves_mlflow_ui and settings.mlflow_ui:
        parts.append(mlflow_ui_status(settings.mlflow_ui))
    return parts
