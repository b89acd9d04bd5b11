"""What one LoRA fine-tune takes: the dataset, the base model, the registry and the training knobs.

The same configuration on a GPU is a matter of ``device="cuda"`` (and ``dtype="bfloat16"``); a
bigger base model is a path or an MLflow model URI in ``base_model``.
"""

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from serving.settings import BUNDLED_MODEL

REGISTERED_MODEL = "tutor-llm"
EXPERIMENT = "finetune"

Dtype = Literal["float32", "bfloat16", "float16"]

# Fields that say where things go, how often they are reported or how the result is stored,
# not what is trained: a run resumed with other values of these continues the same training.
_NOT_TRAINING = frozenset(
    {
        "tracking_uri",
        "registered_model",
        "experiment",
        "work_dir",
        "models_dir",
        "checkpoint_every",
        "keep_checkpoints",
        "log_every",
        "save_dtype",
    }
)


class FinetuneConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", protected_namespaces=())

    dataset: str = Field(
        description="A dataset folder (train.jsonl, validation.jsonl, manifest.json) or the "
        "MLflow reference of one: runs:/<run_id>/dataset."
    )
    tracking_uri: str = Field(description="MLflow tracking and registry URI.")
    base_model: str = Field(
        BUNDLED_MODEL,
        description="'bundled' (SmolLM2-135M-Instruct), a Hugging Face model directory, a .gguf "
        "file or an MLflow model URI (models:/name@alias, models:/name/version, runs:/id/path).",
    )
    models_dir: Path | None = Field(
        None, description="Where base models are prepared; None: the serving settings' models_dir."
    )
    registered_model: str = REGISTERED_MODEL
    experiment: str = EXPERIMENT
    work_dir: Path | None = Field(
        None,
        description="Checkpoints of this training; the same work_dir resumes it. None: "
        "<WC data dir>/finetune/<fingerprint of the training fields>.",
    )

    lora_r: int = Field(8, ge=1)
    lora_alpha: int = Field(16, ge=1)
    lora_dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: tuple[str, ...] = Field(("q_proj", "v_proj"), min_length=1)

    steps: int = Field(50, ge=1, description="Optimizer steps (one batch each).")
    batch_size: int = Field(4, ge=1)
    max_length: int = Field(256, ge=8, description="Tokens per row; longer rows are cut.")
    learning_rate: float = Field(2e-4, gt=0)
    warmup_steps: int = Field(5, ge=0, description="Linear warm-up, then linear decay to 0.")
    weight_decay: float = Field(0.0, ge=0)
    max_grad_norm: float | None = Field(1.0, gt=0, description="Gradient clipping; None: off.")
    seed: int = 0

    checkpoint_every: int = Field(10, ge=1, description="Steps between checkpoints.")
    keep_checkpoints: int = Field(2, ge=1, description="Older checkpoints are removed.")
    log_every: int = Field(
        10, ge=1, description="Steps between MLflow writes (each checkpoint also writes)."
    )
    validation_rows: int = Field(
        32, ge=0, description="Validation rows scored before and after training (0: none)."
    )

    device: str = Field("cpu", description="torch device: cpu, cuda, cuda:1, …")
    dtype: Dtype = Field("float32", description="Weights and compute of the training.")
    save_dtype: Dtype | None = Field(
        None, description="dtype of the merged weights registered; None: the training dtype."
    )

    @field_validator("dataset")
    @classmethod
    def _absolute_folder(cls, dataset: str) -> str:
        """A folder by its absolute path: the fingerprint (and the lineage) must not depend on
        the directory the command ran from."""
        if dataset.startswith("runs:/"):
            return dataset
        return str(Path(dataset).expanduser().resolve())

    @model_validator(mode="after")
    def _warmup_within_steps(self) -> "FinetuneConfig":
        if self.warmup_steps >= self.steps:
            raise ValueError(f"warmup_steps ({self.warmup_steps}) must be < steps ({self.steps})")
        return self

    def training_fields(self) -> dict[str, object]:
        """The fields that decide what is trained (a checkpoint resumes only under the same)."""
        return {
            name: value
            for name, value in self.model_dump(mode="json").items()
            if name not in _NOT_TRAINING
        }

    def fingerprint(self) -> str:
        encoded = json.dumps(self.training_fields(), sort_keys=True).encode()
        return hashlib.sha256(encoded).hexdigest()

    def resolved_work_dir(self, data_dir: Path) -> Path:
        """``work_dir``, or one named by the fingerprint under ``data_dir``: running the same
        command again finds the checkpoints of the run it interrupted."""
        if self.work_dir is not None:
            return self.work_dir
        return data_dir / "finetune" / self.fingerprint()[:16]

    @property
    def merged_dtype(self) -> Dtype:
        return self.save_dtype or self.dtype


def config_from_settings(overrides: Mapping[str, object] | None = None) -> FinetuneConfig:
    """The fine-tune the platform's settings describe: the served model (``WC_MODEL_SOURCE``) on
    the newest finished dataset build of the tracking store (``WC_MLFLOW_TRACKING_URI``), unless
    ``overrides`` name a dataset; ``target_modules`` as comma-separated names."""
    from pipelines.datasets.config import EXPERIMENT as DATASETS_EXPERIMENT
    from pipelines.registry import listed
    from serving.settings import ServingSettings

    settings = ServingSettings()
    values: dict[str, object] = {
        "tracking_uri": settings.tracking_uri,
        "base_model": settings.model_source,
        **(overrides or {}),
    }
    if "target_modules" in values:
        values["target_modules"] = listed(values["target_modules"])
    if "dataset" not in values:
        values["dataset"] = _newest_dataset(str(values["tracking_uri"]), DATASETS_EXPERIMENT)
    return FinetuneConfig.model_validate(values)


def _newest_dataset(tracking_uri: str, experiment: str) -> str:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    found = client.get_experiment_by_name(experiment)
    runs = (
        client.search_runs(
            [found.experiment_id],
            filter_string="attributes.status = 'FINISHED'",
            order_by=["attributes.start_time DESC"],
            max_results=1,
        )
        if found is not None
        else []
    )
    if not runs:
        raise ValueError(f"no finished dataset build in {tracking_uri}: run the dataset pipeline")
    return f"runs:/{runs[0].info.run_id}/dataset"
