"""`wc run`'s content runner joins the LLM application's Ray when that one writes its address,
and starts a Ray of its own when the LLM application stops first (the whole path, with Ray and
the runner, is tests/test_offline_namespace.py)."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.settings import Settings
from platform_api.start_report import Child, llm_ray_address_file, llm_ray_environment


def _llm(log: Path, script: str) -> Child:
    return Child("LLM", subprocess.Popen([sys.executable, "-c", script]), log)


def test_the_runner_joins_the_address_the_llm_application_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WC_RAY_ADDRESS", raising=False)
    settings = Settings(data_dir=tmp_path)
    file = llm_ray_address_file(settings)
    # Written a moment after the start, as `wc serve` writes it once Ray is up.
    llm = _llm(
        tmp_path / "llm.log",
        f"import time; time.sleep(0.5); open({str(file)!r}, 'w').write('127.0.0.1:6380'); "
        "time.sleep(30)",
    )
    try:
        environment = llm_ray_environment(settings, [llm])
    finally:
        llm.process.kill()
    assert environment == {"WC_RAY_ADDRESS": "127.0.0.1:6380", "RAY_AUTH_MODE": "token"}


def test_the_runner_starts_its_own_ray_when_the_llm_application_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WC_RAY_ADDRESS", raising=False)
    llm = _llm(tmp_path / "llm.log", "raise SystemExit(3)")
    started = time.monotonic()
    assert llm_ray_environment(Settings(data_dir=tmp_path), [llm]) == {}
    assert time.monotonic() - started < 10  # not the whole wait for an address


def test_the_runner_joins_a_configured_cluster_by_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WC_RAY_ADDRESS", "10.0.0.5:6379")  # the runner reads it too
    llm = _llm(tmp_path / "llm.log", "import time; time.sleep(30)")  # writes nothing
    started = time.monotonic()
    try:
        assert llm_ray_environment(Settings(data_dir=tmp_path), [llm]) == {}
    finally:
        llm.process.kill()
    assert time.monotonic() - started < 10  # it did not wait for an address that never comes
