"""The proctor deployment as the application builder binds it, from settings."""

from typing import Any

from core.encryption import load_or_create_key
from core.infra.objects.config import ObjectStoreConfig
from core.settings import Settings
from proctor.settings import ProctorSettings
from serving.proctoring.host import ProctorHost, ProctorHostConfig
from serving.proctoring.routing import SessionAffinityRouter
from serving.proctoring.scaling import LiveSessionsPolicy
from serving.settings import ServingSettings

DEPLOYMENT_NAME = "ProctorHost"
# Replicas report their sessions to the routers this often: a new session is placed by counts
# at most this old (a burst of opens may land on one replica, up to its hard cap).
ROUTING_STATS_PERIOD_SECONDS = 2.0
# Calls are short (an offer is answered in ~0.1 s), so a replica never queues many; a session's
# analysis runs beside them, not as a call.
MAX_ONGOING_CALLS = 64


def proctor_host_config(settings: ServingSettings, platform: Settings) -> ProctorHostConfig:
    """What every replica needs: the proctor's settings, the platform's object store (where the
    evidence keyframes go) and the key that seals them."""
    return ProctorHostConfig(
        proctor=ProctorSettings(),
        objects=ObjectStoreConfig.from_settings(platform),
        biometric_key=load_or_create_key(platform.biometric_key, platform.resolved_data_dir),
        biometric_retired_keys=platform.biometric_retired_keys,
        max_sessions=settings.proctor_max_sessions_per_replica,
        max_session_seconds=settings.proctor_max_session_hours * 3600,
    )


def proctor_deployment(settings: ServingSettings, env_vars: dict[str, str]) -> Any:
    """The bound proctor deployment (a ``ray.serve.Application``)."""
    from ray import serve
    from ray.serve.config import RequestRouterConfig

    config = proctor_host_config(settings, Settings())
    deployment = serve.deployment(
        name=DEPLOYMENT_NAME,
        ray_actor_options={
            "num_cpus": settings.proctor_cpus_per_replica,
            "runtime_env": {"env_vars": env_vars},
        },
        max_ongoing_requests=MAX_ONGOING_CALLS,
        autoscaling_config={
            "min_replicas": settings.proctor_min_replicas,
            "max_replicas": settings.proctor_max_replicas,
            "downscale_delay_s": settings.proctor_downscale_delay_seconds,
            "policy": {
                "policy_function": LiveSessionsPolicy,
                "policy_kwargs": {"sessions_per_replica": settings.proctor_sessions_per_replica},
            },
        },
        request_router_config=RequestRouterConfig.model_validate(
            {
                "request_router_class": SessionAffinityRouter,
                "request_routing_stats_period_s": ROUTING_STATS_PERIOD_SECONDS,
            }
        ),
    )(ProctorHost)
    return deployment.bind(config)
