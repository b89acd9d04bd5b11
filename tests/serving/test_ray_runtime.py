"""A local Ray refuses to start when ``ray`` was imported before its loopback switch was set."""

import os
import subprocess
import sys

IMPORT_RAY_FIRST = "import ray\nfrom serving.ray_runtime import start_ray\nstart_ray()\n"


def test_start_ray_refuses_a_ray_imported_with_the_cluster_switch_on() -> None:
    env = {k: v for k, v in os.environ.items() if k != "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"}
    run = subprocess.run(
        [sys.executable, "-c", IMPORT_RAY_FIRST],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert "RuntimeError: ray was imported before start_ray()" in run.stderr, run.stderr[-2000:]
    assert "Started a local Ray instance" not in run.stderr
