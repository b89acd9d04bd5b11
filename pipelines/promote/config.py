"""What a promotion decision takes: the candidate, the suites both models run, the sample."""

from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from evals.heldout import default_books_dir

DEFAULT_MODEL = "tutor-llm"


class PromotionConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    registered_model: str = DEFAULT_MODEL
    candidate_version: str = Field(description="The registered version to judge.")
    tracking_uri: str
    suites: tuple[str, ...] = Field(
        ("model", "tutor", "safety"), description="Suites both models run; none may regress."
    )
    target_suite: str = Field("model", description="The suite whose target metric must improve.")
    limit: int | None = Field(40, ge=1, description="Questions per suite part (None: all).")
    seed: int = 0
    books_dir: Path = Field(default_factory=default_books_dir)
    database_url: str | None = Field(
        None,
        description="The platform's database: the courses the suites search, the outbox the "
        "decision's event goes to (default: the configured or embedded one).",
    )
    reuse_hours: float = Field(
        24.0,
        ge=0,
        description="Reuse the champion's finished runs of the same suite version and sample "
        "younger than this (0: always run it again).",
    )


def config_from_settings(overrides: Mapping[str, object] | None = None) -> PromotionConfig:
    """The decision the platform's settings describe: the newest registered version of the
    served model's registry name (``WC_REGISTRY_MODEL_NAME``, else ``tutor-llm``) against its
    champion, unless ``overrides`` name a candidate; ``suites`` as comma-separated names."""
    from pipelines.registry import listed
    from serving.settings import ServingSettings

    settings = ServingSettings()
    values: dict[str, object] = {
        "registered_model": settings.registry_model_name or DEFAULT_MODEL,
        "tracking_uri": settings.tracking_uri,
        **(overrides or {}),
    }
    if "suites" in values:
        values["suites"] = listed(values["suites"])
    if "candidate_version" not in values:
        values["candidate_version"] = _newest_version(
            str(values["tracking_uri"]), str(values["registered_model"])
        )
    return PromotionConfig.model_validate(values)


def _newest_version(tracking_uri: str, name: str) -> str:
    from mlflow import MlflowClient

    from pipelines.promote import champion

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    versions = client.search_model_versions(f"name = '{name}'")
    if not versions:
        raise ValueError(f"no registered version of {name!r} in {tracking_uri}")
    newest = str(max(int(v.version) for v in versions))
    if newest == champion.current(client, name):
        raise ValueError(f"{name} v{newest}, the newest version, is the champion: nothing to judge")
    return newest
