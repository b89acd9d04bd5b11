"""On a cluster (``WC_RAY_ADDRESS``), ``wc pipeline run`` submits a Ray job; the job's driver
joins that cluster and runs the pipeline there, its Ray actors included.

The cluster is a real Ray head (``ray start --head --block``, with its dashboard and job agent) on
loopback ports of its own, stopped by ending that one process.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from core.infra.database import Database
from rag.ingest import ingest_course
from rag.models import RagIndex
from serving.ray_runtime import ensure_bootstrap_config
from tests.fixtures.postgres import free_port
from tests.pipelines.test_pipeline_cli import pipelines_cli
from tests.rag.factories import LOOPS, PHOTOSYNTHESIS, make_course

pytestmark = pytest.mark.slow

RAY = str(Path(sys.executable).with_name("ray"))
PORT_OPTIONS = (
    "port",
    "dashboard-port",
    "dashboard-agent-listen-port",
    "dashboard-agent-grpc-port",
    "metrics-export-port",
    "runtime-env-agent-port",
    "node-manager-port",
    "object-manager-port",
    "ray-client-server-port",
)


@dataclass
class RayHead:
    address: str
    jobs_address: str
    log: Path


def head_environment() -> dict[str, str]:
    return {
        **os.environ,
        "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # loopback only (serving/ray_runtime.py)
        "RAY_AUTH_MODE": "token",  # as on a real cluster: the submitter must show the token
        # The job's `python` is this environment's, with this checkout importable.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": os.pathsep.join(sys.path),
    }


@pytest.fixture
def ray_head(tmp_path: Path) -> Iterator[RayHead]:
    ensure_bootstrap_config()
    ports = {option: free_port() for option in PORT_OPTIONS}
    log = tmp_path / "ray-head.log"
    # Short: Ray's socket paths under it must fit in 107 bytes (AF_UNIX).
    ray_dir = Path(tempfile.mkdtemp(prefix="wc-ray-", dir="/tmp"))
    with log.open("wb") as output:
        head = subprocess.Popen(
            [
                RAY,
                "start",
                "--head",
                "--block",
                "--node-ip-address=127.0.0.1",
                "--dashboard-host=127.0.0.1",
                "--include-dashboard=true",
                "--num-cpus=2",
                f"--temp-dir={ray_dir}",
                *(f"--{option}={port}" for option, port in ports.items()),
            ],
            env=head_environment(),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    jobs_address = f"http://127.0.0.1:{ports['dashboard-port']}"
    try:
        wait_for_jobs_api(jobs_address, head, log)
        yield RayHead(f"127.0.0.1:{ports['port']}", jobs_address, log)
    finally:
        head.terminate()  # --block: the command stops the processes it started
        head.wait(60)
        shutil.rmtree(ray_dir, ignore_errors=True)


def wait_for_jobs_api(address: str, head: subprocess.Popen[bytes], log: Path) -> None:
    """Until the dashboard answers at all (401 without the token is an answer); the submission
    itself waits out the job agent's registration."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert head.poll() is None, log.read_text()[-3000:]
        try:
            urllib.request.urlopen(f"{address}/api/version", timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:  # not listening yet
            time.sleep(1)
    raise AssertionError(f"no Jobs API at {address}:\n{log.read_text()[-3000:]}")


async def test_run_on_a_cluster_is_a_ray_job(
    ray_head: RayHead, database: Database, database_url_for_test: str, tmp_path: Path
) -> None:
    async with database.session() as session:
        course = await make_course(session, "Science", [PHOTOSYNTHESIS, LOOPS])
    await ingest_course(database, course.course_id)
    env = {
        "WC_RAY_ADDRESS": ray_head.address,
        "WC_PIPELINE_JOBS_ADDRESS": ray_head.jobs_address,
        "WC_DATABASE_URL": database_url_for_test,
        "WC_MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "PYTHONPATH": os.pathsep.join(sys.path),
        "RAY_AUTH_MODE": "token",  # the token is the one `ray start` uses (~/.ray/auth_token)
    }

    done = await pipelines_cli(
        "run", "embeddings", "--set", "mode=full", "--set", "workers=1", env=env, cwd=tmp_path
    )

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "SUCCEEDED" in done.stderr
    assert "embeddings: done" in done.stdout  # the job's own output, its logs
    async with database.session() as session:
        states = dict((await session.execute(select(RagIndex.id, RagIndex.state))).all())
    assert states == {1: "retired", 2: "active"}  # rebuilt on the cluster's workers

    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=env["WC_MLFLOW_TRACKING_URI"])
    (logged,) = client.search_runs([client.get_experiment_by_name("embeddings").experiment_id])  # type: ignore[union-attr]
    assert logged.info.status == "FINISHED"
    assert logged.data.params["ray"] == "auto"  # the job's driver joined the cluster
    assert logged.data.metrics["chunks_embedded"] > 0


async def test_a_cluster_job_needs_shared_stores(tmp_path: Path) -> None:
    env = {
        "WC_RAY_ADDRESS": "ray://head.example:10001",
        "WC_DATABASE_URL": "",
        "WC_MLFLOW_TRACKING_URI": "",
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    refused = await pipelines_cli("run", "embeddings", env=env, cwd=tmp_path)
    assert refused.returncode == 2
    assert "needs WC_DATABASE_URL and WC_MLFLOW_TRACKING_URI" in refused.stderr
