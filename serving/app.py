"""The Serve applications, built from configuration.

Two applications: the LLM behind the one HTTP ingress (``build_app``), and the proctor
(``build_proctor_app``), which has no HTTP route of its own: the ingress forwards ``/proctor`` to
it by name. Apart, redeploying the LLM application for another model (a promotion, a rollback)
replaces the LLM replicas and the ingress but leaves the proctor's replicas, and the proctored
exams they host, alone. Both are application builders: a ``serve deploy`` config
(``serving/serve_config.yaml``) calls them with its ``args``; ``wc serve`` with the ``WC_*``
settings.
"""

import logging
from pathlib import Path
from typing import Any

from serving.llm import ingress_deployment_config, llm_config
from serving.models import prepare_model
from serving.ray_runtime import runtime_env_vars
from serving.settings import ServingSettings

logger = logging.getLogger(__name__)

APP_NAME = "water-classroom"
PROCTOR_APP_NAME = "water-classroom-proctor"


def served_source(settings: ServingSettings) -> tuple[str, str | None]:
    """The model source to serve and its registry version: the version the ``champion`` alias
    names now when a registered model is followed (by number: each version is prepared into a
    directory of its own), else the configured source (also while no champion exists yet)."""
    from core.model_registry import champion_version, version_uri

    name = settings.registry_model_name
    version = champion_version(settings.tracking_uri, name) if name else None
    if name and version is None:
        logger.warning(
            "no champion yet: serving the configured model",
            extra={"registered_model": name, "model_source": settings.model_source},
        )
    if version is None:
        return settings.model_source, None
    return version_uri(name, version), version


def resolve_model_dir(settings: ServingSettings) -> Path:
    """The prepared directory of what ``served_source`` names."""
    source, _ = served_source(settings)
    return prepare_model(source, settings.models_dir, settings.tracking_uri)


def model_card_metadata(source: str, version: str | None) -> dict[str, Any]:
    """What ``/v1/models`` says about the served weights, beside the stable model id clients
    use: where they came from and, when the registry is followed, which version."""
    return {"served_source": source, "registry_version": version}


def build_app(args: dict[str, Any] | None = None) -> Any:
    """The LLM application: the LLM behind the ingress (the OpenAI API under ``/v1``, the
    proctor application's under ``/proctor``); ``args`` override the ``WC_*`` settings by field
    name."""
    settings = ServingSettings(**(args or {}))
    source, version = served_source(settings)
    return application_for(settings, source, version)


def build_proctor_app(args: dict[str, Any] | None = None) -> Any:
    """The proctor application; ``args`` as for ``build_app``."""
    return proctor_application(ServingSettings(**(args or {})))


def proctor_application(settings: ServingSettings) -> Any:
    from serving.proctoring.deployment import proctor_deployment

    return proctor_deployment(settings, runtime_env_vars())


def application_for(settings: ServingSettings, source: str, version: str | None) -> Any:
    """The LLM application serving ``source`` (registry ``version`` when it is one), so that a
    caller that follows the registry knows which version it deployed."""
    from serving.ingress import build_ingress
    from serving.proctoring.deployment import DEPLOYMENT_NAME

    model_dir = prepare_model(source, settings.models_dir, settings.tracking_uri)
    env_vars = runtime_env_vars()
    config = llm_config(settings, model_dir, env_vars)
    logger.info(
        "serve application built",
        extra={
            "model_id": settings.model_id,
            "model_dir": str(model_dir),
            "registry_version": version,
            "accelerator": settings.accelerator,
        },
    )
    return build_ingress(
        config,
        ingress_deployment_config(settings),
        (PROCTOR_APP_NAME, DEPLOYMENT_NAME),
        model_card_metadata(source, version),
    )
