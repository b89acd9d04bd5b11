"""The platform, started through ``wc run`` (the ``make run`` code path), inside a network namespace
with only loopback: proof that start-up and readiness need no address outside 127.0.0.0/8."""

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.fixtures.postgres import free_port

PROBE = textwrap.dedent(
    """
    import subprocess, sys, time, urllib.request
    server = subprocess.Popen([sys.argv[1], "run"])
    status = "no answer"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(sys.argv[2], timeout=2) as response:
                    status = str(response.status)
                    break
            except OSError as error:
                status = f"error: {error}"
                time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(30)
    print("READYZ", status)
    """
)


def _can_unshare() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.slow
def test_wc_run_is_ready_inside_loopback_only_namespace(tmp_path: Path) -> None:
    if not _can_unshare():
        pytest.fail("unshare -n is not available: run the suite as root (CI does)")
    wc = Path(sys.executable).with_name("wc")
    port = free_port()
    env = {
        **os.environ,
        "WC_DATA_DIR": str(tmp_path / "data"),
        "WC_PORT": str(port),
        "WC_DATABASE_URL": "",
        "WC_REDIS_URL": "",
        "WC_AMQP_URL": "",
        "WC_S3_ENDPOINT_URL": "",
    }
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    command = f"ip link set lo up && {sys.executable} {script} {wc} http://127.0.0.1:{port}/readyz"
    result = subprocess.run(
        ["unshare", "-n", "sh", "-c", command], env=env, capture_output=True, text=True, timeout=240
    )
    assert "READYZ 200" in result.stdout, result.stdout[-2000:] + result.stderr[-4000:]
