"""Running a pipeline on a Ray cluster as a Ray job (``JobSubmissionClient``).

The job's entry point is the same command run with ``--here`` on the cluster (the cluster's image
carries this project, as for serving): its driver then joins the cluster it runs on
(``WC_RAY_ADDRESS=auto``) and calls the pipeline's ``run(config)``. The ``WC_*`` settings of the
submitting shell go with it, so the job reads the same database and MLflow server; embedded
stores cannot be shared with a cluster, so their URLs must be set.
"""

import os
import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from ray.job_submission import JobSubmissionClient

DASHBOARD_PORT = 8265
# Settings a job must receive explicitly: empty, they mean a store embedded in the data dir of
# whichever machine runs the job.
SHARED_STORES = ("WC_DATABASE_URL", "WC_MLFLOW_TRACKING_URI")
TERMINAL = {"SUCCEEDED", "FAILED", "STOPPED"}
AGENT_WAIT_SECONDS = 60.0


class JobRefused(ValueError):
    """The job cannot be submitted as configured (said in the message)."""


@dataclass(frozen=True)
class JobOutcome:
    job_id: str
    status: str  # SUCCEEDED, FAILED, STOPPED, or PENDING/RUNNING when not waited for
    logs: str


def jobs_address(ray_address: str, explicit: str = "") -> str:
    """The Ray Jobs API of the cluster: ``explicit``, else port 8265 of ``ray_address``'s host."""
    if explicit:
        return explicit
    if not ray_address:
        raise JobRefused("no cluster: set WC_RAY_ADDRESS (or WC_PIPELINE_JOBS_ADDRESS)")
    if ray_address == "auto":
        return f"http://127.0.0.1:{DASHBOARD_PORT}"
    host = urlsplit(ray_address if "://" in ray_address else f"ray://{ray_address}").hostname
    return f"http://{host}:{DASHBOARD_PORT}"


def job_entrypoint(name: str, overrides: Mapping[str, str]) -> str:
    arguments = ["python", "-m", "pipelines.cli", "run", name, "--here"]
    arguments += [f"--set={field}={value}" for field, value in overrides.items()]
    return shlex.join(arguments)


def job_environment(environment: Mapping[str, str]) -> dict[str, str]:
    """The ``WC_*`` settings to send, with the driver joining the cluster it runs on."""
    missing = [name for name in SHARED_STORES if not environment.get(name)]
    if missing:
        raise JobRefused(
            f"a cluster job needs {' and '.join(missing)}: stores the cluster can reach "
            "(an embedded store lives on one machine only)"
        )
    chosen = {name: value for name, value in environment.items() if name.startswith("WC_")}
    return {**chosen, "WC_RAY_ADDRESS": "auto"}


def submit(
    name: str,
    overrides: Mapping[str, str],
    address: str,
    *,
    wait: bool = True,
    environment: Mapping[str, str] | None = None,
    on_status: Callable[[str], None] | None = None,
    poll_seconds: float = 2.0,
) -> JobOutcome:
    """Submit ``wc pipeline run NAME --here`` as a Ray job at ``address`` (the Jobs API); when
    ``wait``, follow it to its end and return its logs."""
    from ray.job_submission import JobSubmissionClient

    env_vars = job_environment(environment or os.environ)
    client = JobSubmissionClient(address)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    job_id = _submit_when_ready(
        client,
        entrypoint=job_entrypoint(name, overrides),
        submission_id=f"wc-{name}-{stamp}-{os.urandom(3).hex()}",
        runtime_env={"env_vars": env_vars},
        metadata={"pipeline": name},
    )
    status = str(client.get_job_status(job_id).value)
    while wait and status not in TERMINAL:
        time.sleep(poll_seconds)
        new_status = str(client.get_job_status(job_id).value)
        if on_status and new_status != status:
            on_status(new_status)
        status = new_status
    logs = client.get_job_logs(job_id) if status in TERMINAL else ""
    return JobOutcome(job_id, status, logs)


def _submit_when_ready(client: "JobSubmissionClient", **job: Any) -> str:
    """Submit, waiting out a head that has just started: its job agent registers a few seconds
    after the Jobs API answers, and until then every submission is refused with a 500."""
    deadline = time.monotonic() + AGENT_WAIT_SECONDS
    while True:
        try:
            return str(client.submit_job(**job))
        except RuntimeError as error:
            if "No available agent" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(1.0)
