"""Runs the application on Ray: deploy, follow the registry's champion, shut down."""

import logging
from dataclasses import dataclass, field
from pathlib import Path

from core.model_registry import ChampionWatcher, version_uri
from serving.app import (
    APP_NAME,
    PROCTOR_APP_NAME,
    application_for,
    proctor_application,
    served_source,
)
from serving.ray_runtime import current_ray_address, start_ray, write_ray_address
from serving.settings import ServingSettings

logger = logging.getLogger(__name__)


@dataclass
class RunningApplication:
    settings: ServingSettings
    deployed_version: str | None = None
    watcher: ChampionWatcher | None = field(default=None)

    def start(self) -> None:
        """Deploy both applications, side by side: the proctor and the LLM's."""
        from ray import serve

        source, version = served_source(self.settings)
        serve.run_many(
            [
                serve.RunTarget(
                    proctor_application(self.settings), name=PROCTOR_APP_NAME, route_prefix=None
                ),
                serve.RunTarget(application_for(self.settings, source, version), name=APP_NAME),
            ]
        )
        self._deployed(source, version)

    def deploy(self, version: str) -> None:
        """Build and deploy the registry's ``version`` in the LLM application: Serve replaces its
        LLM replicas and its ingress in a rolling update (not the proctor's). Returns once the new
        replicas answer: ``/v1/models`` names the new version as soon as the new ingress is up,
        while the old LLM replicas may still be answering, so the "deployed" log line is what
        says that the rollout is over."""
        from ray import serve

        source = version_uri(self.settings.registry_model_name, version)
        application = application_for(self.settings, source, version)
        serve.run(application, name=APP_NAME, route_prefix="/", blocking=False)
        self._deployed(source, version)

    def _deployed(self, source: str, version: str | None) -> None:
        self.deployed_version = version
        logger.info("deployed", extra={"served_source": source, "registry_version": version})

    @property
    def ray_address(self) -> str:
        """The address of the Ray this application runs on."""
        return current_ray_address()

    def shutdown(self) -> None:
        import ray
        from ray import serve

        if self.watcher:
            self.watcher.stop()
        serve.shutdown()
        ray.shutdown()


def run_application(
    settings: ServingSettings, ray_address_file: Path | None = None
) -> RunningApplication:
    """Start or join Ray, then deploy; ``ray_address_file`` gets a local Ray's address as soon
    as it is up, before the minute the deployment takes (``wc run``'s content runner joins it)."""
    start_ray(
        settings.ray_address,
        settings.ray_num_cpus,
        settings.ray_metrics_port,
        logs_link=settings.logs_dir / "ray-llm",
        worker_niceness=settings.ray_worker_niceness,
    )
    if ray_address_file is not None and not settings.ray_address:
        write_ray_address(ray_address_file)
    from ray import serve  # after start_ray: a local Ray's loopback switch is read at import

    serve.start(http_options={"host": settings.serve_host, "port": settings.serve_port})
    running = RunningApplication(settings)
    running.start()
    if settings.registry_model_name:
        running.watcher = ChampionWatcher(
            settings.tracking_uri,
            settings.registry_model_name,
            settings.registry_poll_seconds,
            running.deploy,
            current=running.deployed_version,
        )
        running.watcher.start()
    logger.info("serving", extra={"port": settings.serve_port, "model_id": settings.model_id})
    return running
