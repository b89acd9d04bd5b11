"""Runs the application on Ray: deploy, follow the registry's champion, shut down."""

import logging
from dataclasses import dataclass, field

from core.model_registry import ChampionWatcher, version_uri
from serving.app import APP_NAME, application_for, served_source
from serving.ray_runtime import start_ray
from serving.settings import ServingSettings

logger = logging.getLogger(__name__)


@dataclass
class RunningApplication:
    settings: ServingSettings
    deployed_version: str | None = None
    watcher: ChampionWatcher | None = field(default=None)

    def deploy(self, version: str | None = None) -> None:
        """Build and deploy the registry's ``version`` (None: what the settings name now);
        redeploying, Serve replaces the LLM replicas in a rolling update. Returns once the new
        replicas answer: ``/v1/models`` names the new version as soon as the new ingress is up,
        while the old LLM replicas may still be answering, so the "deployed" log line is what
        says that the rollout is over."""
        from ray import serve

        if version is None:
            source, version = served_source(self.settings)
        else:
            source = version_uri(self.settings.registry_model_name, version)
        application = application_for(self.settings, source, version)
        serve.run(application, name=APP_NAME, route_prefix="/", blocking=False)
        self.deployed_version = version
        logger.info("deployed", extra={"served_source": source, "registry_version": version})

    def shutdown(self) -> None:
        import ray
        from ray import serve

        if self.watcher:
            self.watcher.stop()
        serve.shutdown()
        ray.shutdown()


def run_application(settings: ServingSettings) -> RunningApplication:
    start_ray(
        settings.ray_address,
        settings.ray_num_cpus,
        settings.ray_metrics_port,
        logs_link=settings.logs_dir / "ray-llm",
        worker_niceness=settings.ray_worker_niceness,
    )
    from ray import serve  # after start_ray: a local Ray's loopback switch is read at import

    serve.start(http_options={"host": settings.serve_host, "port": settings.serve_port})
    running = RunningApplication(settings)
    running.deploy()
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
