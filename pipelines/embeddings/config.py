"""What one embedding refresh takes: the stores, the target model, the mode and the Ray knobs."""

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rag.settings import BUNDLED_EMBEDDING_MODEL

RefreshMode = Literal["auto", "full", "incremental", "rollback"]
EXPERIMENT = "embeddings"


class RefreshConfig(BaseModel):
    """``auto`` builds a new index when the model (or chunk size) differs from the active
    index's, and otherwise re-embeds the lessons changed since the last run; ``full`` always
    builds a new index; ``incremental`` never does; ``rollback`` makes the most recently retired
    index active again (and brings it up to date with its own model)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    database_url: str = Field(description="PostgreSQL with the migrated schema.")
    tracking_uri: str = Field(description="MLflow tracking URI (the run is logged there).")
    experiment: str = EXPERIMENT
    mode: RefreshMode = "auto"
    embedding_model: str = Field(
        BUNDLED_EMBEDDING_MODEL,
        description="The model the index should have (WC_RAG_EMBEDDING_MODEL): 'bundled' or a "
        "sentence-transformers directory every Ray worker and the API can read.",
    )
    chunk_max_tokens: int = Field(240, ge=32)
    batch_size: int = Field(64, ge=1, description="Sentences per encode batch on a worker.")
    ray_address: str = Field("", description="Ray cluster to join; empty: a local Ray.")
    workers: int = Field(2, ge=1, description="Ray actors that embed, each with its own model.")
    cpus_per_worker: float = Field(1.0, gt=0)
    lessons_per_task: int = Field(16, ge=1, description="Lessons sent to a worker at once.")
    keep_previous: int = Field(
        1,
        ge=1,
        description="Retired indexes kept after a switch, for rollback; at least one, so that "
        "a search that read the old index just before the switch still finds its rows.",
    )
    watermark_margin_seconds: float = Field(
        300.0,
        ge=0,
        description="An incremental run also looks at lessons changed this long before the last "
        "run's watermark: edits committed late or stamped by a machine whose clock runs behind "
        "are not missed (unchanged ones cost a hash, not an embedding).",
    )


def config_from_settings(overrides: Mapping[str, str] | None = None) -> RefreshConfig:
    """The refresh the platform's settings describe (``WC_RAG_*``, ``WC_DATABASE_URL``,
    ``WC_MLFLOW_TRACKING_URI``, ``WC_RAY_ADDRESS``), with ``overrides`` (field → value, as typed
    on a command line) on top. Without a database URL, the embedded PostgreSQL of the data dir."""
    from core.infra.postgres_embedded import start_embedded_postgres
    from core.settings import Settings
    from rag.settings import RagSettings
    from serving.settings import ServingSettings

    overrides = dict(overrides or {})
    rag, serving, platform = RagSettings(), ServingSettings(), Settings()
    values: dict[str, object] = {
        "tracking_uri": serving.tracking_uri,
        "embedding_model": rag.embedding_model,
        "chunk_max_tokens": rag.chunk_max_tokens,
        "batch_size": rag.batch_size,
        "ray_address": serving.ray_address,
    }
    if "database_url" not in overrides:
        values["database_url"] = platform.database_url or start_embedded_postgres(
            platform.resolved_data_dir
        )
    return RefreshConfig.model_validate({**values, **overrides})
