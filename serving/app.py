"""The Serve application, built from configuration.

``build_app`` is an application builder: ``serve run serving.app:build_app`` and a ``serve deploy``
config (``serving/serve_config.yaml``) call it with their ``args``; ``wc serve`` calls it with the
``WC_*`` settings. The LLM and the proctor deployments are in it; the tutor and content
deployments join it as their issues add them.
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


def resolve_model_dir(settings: ServingSettings) -> Path:
    """The directory to serve: the registry's champion when a registered model is named."""
    from core.model_registry import champion_uri

    source = settings.model_source
    if settings.registry_model_name:
        source = champion_uri(settings.registry_model_name)
    return prepare_model(source, settings.models_dir, settings.tracking_uri)


def build_app(args: dict[str, Any] | None = None) -> Any:
    """The application: the LLM and the proctor behind one ingress (the OpenAI API under
    ``/v1``, the proctor's under ``/proctor``); ``args`` override the ``WC_*`` settings by field
    name."""
    from serving.ingress import build_ingress
    from serving.proctoring.deployment import proctor_deployment

    settings = ServingSettings(**(args or {}))
    model_dir = resolve_model_dir(settings)
    env_vars = runtime_env_vars()
    config = llm_config(settings, model_dir, env_vars)
    logger.info(
        "serve application built",
        extra={
            "model_id": settings.model_id,
            "model_dir": str(model_dir),
            "accelerator": settings.accelerator,
        },
    )
    return build_ingress(
        config, ingress_deployment_config(settings), proctor_deployment(settings, env_vars)
    )
