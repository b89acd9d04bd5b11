"""Starting or joining Ray without anything leaving the machine.

Ray's dashboard asks the cloud-metadata address (169.254.169.254) which cloud it runs on unless
``~/ray_bootstrap_config.yaml`` exists (a cluster-launcher head always has one); usage stats are
off by the switches in ``core.boot``. A local Ray binds to and talks over 127.0.0.1 only
(see docs/scaling.md for the one listener Ray Serve opens on every interface).
"""

import contextlib
import ipaddress
import logging
import os
import sys
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
# A local Ray on loopback. `_node_ip_address="127.0.0.1"` alone is not enough on a machine with
# a LAN address: Ray reads RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER once, when `ray` is imported, and
# while it is on, `resolve_ip_for_localhost` replaces 127.0.0.1 by the LAN address. Off, the node
# IP stays 127.0.0.1, and GCS, raylet, object manager, workers and agents bind to it. vLLM's own
# address guess (a route look-up towards 8.8.8.8) is replaced by VLLM_HOST_IP. Joining a local Ray
# on loopback needs them as well (without, the driver looks for that Ray's GCS at the LAN address:
# `wc run`'s content runner did); joining a cluster elsewhere must not set them: the driver's
# address would be unreachable from its nodes.
LOCAL_RAY_SWITCHES: dict[str, str] = {
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "VLLM_HOST_IP": "127.0.0.1",
}


def on_loopback(address: str) -> bool:
    """Whether a Ray address (``HOST:PORT``, ``ray://HOST:PORT``) names this machine's loopback."""
    host = address.split("://", 1)[-1].rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name, or "auto"
        return False


def ensure_bootstrap_config() -> None:
    if not BOOTSTRAP_CONFIG.exists():
        BOOTSTRAP_CONFIG.write_text(LOCAL_BOOTSTRAP)


def runtime_env_vars() -> dict[str, str]:
    """The offline switches, passed to every Ray worker (workers do not import our boot module
    before Ray's and vLLM's own imports)."""
    from core.boot import OFFLINE_SWITCHES

    return {name: os.environ.get(name, value) for name, value in OFFLINE_SWITCHES.items()}


def keep_local_ray_on_loopback() -> None:
    """Set the loopback switches in this process's environment, which Ray's processes inherit.

    Raises if ``ray`` was imported before with the cluster switch on: it would already have read
    it, and the local Ray would take the LAN address.
    """
    os.environ.update(LOCAL_RAY_SWITCHES)
    constants = sys.modules.get("ray._private.ray_constants")
    if constants is not None and getattr(constants, "ENABLE_RAY_CLUSTER", False):
        raise RuntimeError(
            "ray was imported before start_ray(): a local Ray would not stay on 127.0.0.1. "
            "Import ray after start_ray(), or set RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 first."
        )


def start_ray(
    address: str = "",
    num_cpus: int | None = None,
    metrics_port: int | None = None,
    logs_link: Path | None = None,
    worker_niceness: int | None = None,
) -> None:
    """Join ``address`` or start a local Ray on loopback.

    A local Ray's processes log to its session folder, not to this process's console;
    ``logs_link`` (e.g. ``<data_dir>/logs/ray-llm``) is made a link to that folder.
    ``worker_niceness`` replaces Ray's default of 15 for a local Ray's workers (the LLM engine
    starved at 15 beside ordinary processes, and content workers waited on it); a cluster's nodes
    set their own.
    """
    if not address or on_loopback(address):
        keep_local_ray_on_loopback()
    import ray

    if ray.is_initialized():
        return
    ensure_bootstrap_config()
    env = {"env_vars": runtime_env_vars()}
    if address:
        ray.init(address=address, runtime_env=env, logging_level=logging.WARNING)
        return
    cpus = num_cpus or (os.cpu_count() or 2) + EXTRA_LOGICAL_CPUS
    niceness = {} if worker_niceness is None else {"worker_niceness": worker_niceness}
    ray.init(
        num_cpus=cpus,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        _metrics_export_port=metrics_port,
        _system_config=niceness or None,
        runtime_env=env,
        logging_level=logging.WARNING,
        log_to_driver=False,
    )
    if logs_link is not None:
        runtime = ray.get_runtime_context()
        link_logs(logs_link, Path(runtime.get_temp_dir()) / runtime.get_session_name() / "logs")
    logger.info("local ray started", extra={"logical_cpus": cpus})


def current_ray_address() -> str:
    """The GCS address of the Ray this process started or joined."""
    import ray

    return str(ray.get_runtime_context().gcs_address)


def write_ray_address(path: Path) -> None:
    """Write this process's Ray address to ``path`` at once (written aside, then renamed: a
    reader never sees half of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    written = path.with_name(f".{path.name}.tmp")
    written.write_text(current_ray_address())
    written.replace(path)


def stop_ray() -> None:
    """Leave Ray; a local Ray this process started stops, also one whose start failed halfway."""
    import ray

    ray.shutdown()
    stop_orphaned_ray_processes(Path(ray.__file__).parent)


def stop_orphaned_ray_processes(ray_package: Path) -> None:
    """Kill this process's descendants run from Ray's package folder.

    A local start that gives up (Ray waits 30 s, a fixed figure, for the raylet to register)
    leaves the GCS and raylet it spawned running, and forgets them: ``ray.shutdown()`` does not
    know them, and each try again would add a pair.
    """
    import psutil

    package = str(ray_package)
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if any(package in part for part in child.cmdline()):
                child.kill()


def link_logs(link: Path, target: Path) -> None:
    """Point ``link`` at ``target``, replacing the link a previous start left."""
    link.parent.mkdir(parents=True, exist_ok=True)
    link.unlink(missing_ok=True)
    link.symlink_to(target, target_is_directory=True)
