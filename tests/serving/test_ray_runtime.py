"""A local Ray refuses to start when ``ray`` was imported before its loopback switch was set; a
driver joining a Ray on loopback sets that switch too."""

import os
import subprocess
import sys

import pytest

from serving.ray_runtime import on_loopback

IMPORT_RAY_FIRST = "import ray\nfrom serving.ray_runtime import start_ray\nstart_ray()\n"


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1:6380", True),
        ("127.0.0.2:6380", True),
        ("localhost:6380", True),
        ("[::1]:6380", True),
        ("ray://127.0.0.1:10001", True),
        ("10.0.0.5:6379", False),
        ("ray-head.cluster.local:6379", False),
        ("auto", False),
    ],
)
def test_a_ray_address_on_loopback_is_told_from_a_cluster_s(address: str, loopback: bool) -> None:
    assert on_loopback(address) is loopback


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
