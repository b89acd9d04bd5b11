"""Starting or joining Ray without anything leaving the machine.

Ray's dashboard asks the cloud-metadata address (169.254.169.254) which cloud it runs on unless
``~/ray_bootstrap_config.yaml`` exists (a cluster-launcher head always has one); usage stats are
off by the switches in ``core.boot``. A local Ray binds to 127.0.0.1 only.
"""

import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

BOOTSTRAP_CONFIG = Path("~/ray_bootstrap_config.yaml").expanduser()
LOCAL_BOOTSTRAP = (
    "# Written by Water Classroom: tells Ray it runs on a local (non-cloud) cluster, so its\n"
    "# dashboard does not probe cloud-metadata addresses.\n"
    "provider:\n  type: local\n"
)
# Logical CPUs beyond the physical ones: the LLM replica's placement group holds whole CPUs, and
# the ingress and controller must still be schedulable beside it (on 2 cores, num_cpus=2 left
# the ingress pending forever).
EXTRA_LOGICAL_CPUS = 4


def ensure_bootstrap_config() -> None:
    if not BOOTSTRAP_CONFIG.exists():
        BOOTSTRAP_CONFIG.write_text(LOCAL_BOOTSTRAP)


def runtime_env_vars() -> dict[str, str]:
    """The offline switches, passed to every Ray worker (workers do not import our boot module
    before Ray's and vLLM's own imports)."""
    from core.boot import OFFLINE_SWITCHES

    return {name: os.environ.get(name, value) for name, value in OFFLINE_SWITCHES.items()}


def start_ray(
    address: str = "", num_cpus: int | None = None, metrics_port: int | None = None
) -> None:
    """Join ``address`` or start a local Ray on loopback."""
    import ray

    if ray.is_initialized():
        return
    ensure_bootstrap_config()
    env = {"env_vars": runtime_env_vars()}
    if address:
        ray.init(address=address, runtime_env=env, logging_level=logging.WARNING)
        return
    cpus = num_cpus or (os.cpu_count() or 2) + EXTRA_LOGICAL_CPUS
    ray.init(
        num_cpus=cpus,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        _metrics_export_port=metrics_port,
        runtime_env=env,
        logging_level=logging.WARNING,
    )
    logger.info("local ray started", extra={"logical_cpus": cpus})
