"""The whole platform, started through ``wc run`` (the ``make run`` code path: the API and the
local LLM application), inside a network namespace with only loopback: start-up, readiness and a
chat completion need no address outside 127.0.0.0/8."""

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.fixtures.llm import prepared_bundled_model
from tests.fixtures.postgres import free_port

PROBE = textwrap.dedent(
    """
    import json, subprocess, sys, time, urllib.request

    def get(url):
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status

    def chat(url, model):
        body = json.dumps({"model": model, "max_tokens": 8,
                           "messages": [{"role": "user", "content": "Hi"}]}).encode()
        request = urllib.request.Request(url, body, {"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.load(response)["choices"][0]["message"]["content"]

    def wait(check, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                return check()
            except OSError as error:
                last = error
                time.sleep(1)
        return f"error: {last}"

    wc, api, llm, model = sys.argv[1:5]
    server = subprocess.Popen([wc, "run"])
    try:
        print("READYZ", wait(lambda: get(api + "/readyz"), 180), flush=True)
        print("MODELS", wait(lambda: get(llm + "/models"), 420), flush=True)
        print("CHAT", wait(lambda: chat(llm + "/chat/completions", model)[0], 120), flush=True)
    finally:
        server.terminate()
        server.wait(120)
    """
)


def _can_unshare() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.slow
def test_wc_run_works_inside_a_loopback_only_namespace(tmp_path: Path) -> None:
    if not _can_unshare():
        pytest.fail("unshare -n is not available: run the suite as root (CI does)")
    wc = Path(sys.executable).with_name("wc")
    api_port, llm_port = free_port(), free_port()
    env = {
        **os.environ,
        "WC_DATA_DIR": str(tmp_path / "data"),
        "WC_PORT": str(api_port),
        "WC_SERVE_PORT": str(llm_port),
        "WC_MODEL_SOURCE": str(prepared_bundled_model()),
        "WC_DATABASE_URL": "",
        "WC_REDIS_URL": "",
        "WC_AMQP_URL": "",
        "WC_S3_ENDPOINT_URL": "",
    }
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    model = "smollm2-135m-instruct"
    command = (
        f"ip link set lo up && {sys.executable} {script} {wc} "
        f"http://127.0.0.1:{api_port} http://127.0.0.1:{llm_port}/v1 {model}"
    )
    result = subprocess.run(
        ["unshare", "-n", "sh", "-c", command],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    report = result.stdout[-2000:] + result.stderr[-4000:]
    assert "READYZ 200" in result.stdout, report
    assert "MODELS 200" in result.stdout, report
    assert "CHAT 200" in result.stdout, report
