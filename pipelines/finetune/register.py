"""The result of a fine-tune, published: the adapter logged as the run's ``adapter/`` artifacts,
the adapter merged into the base weights and saved as a folder vLLM serves (config.json,
model.safetensors, tokenizer files: the layout ``serving.models.convert_gguf`` writes) logged as
``model/``, and that folder registered as a new version of the registered model with the
lineage as version tags. The ``champion`` alias is left alone: moving it is the gate's decision.
"""

import contextlib
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.finetune.config import Dtype, FinetuneConfig

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from peft import PeftModel

MODEL_ARTIFACTS = "model"
ADAPTER_ARTIFACTS = "adapter"


def publish(
    client: "MlflowClient",
    run_id: str,
    model: "PeftModel",
    base_folder: Path,
    out_dir: Path,
    config: FinetuneConfig,
    tags: dict[str, str],
) -> str:
    """Log the adapter and the merged model, register the merged model; the version. The model
    is merged in place: it is not trainable afterwards."""
    shutil.rmtree(out_dir, ignore_errors=True)
    adapter = out_dir / ADAPTER_ARTIFACTS
    model.save_pretrained(str(adapter))
    client.log_artifacts(run_id, str(adapter), artifact_path=ADAPTER_ARTIFACTS)
    merged = out_dir / MODEL_ARTIFACTS
    save_merged(model, base_folder, merged, config.merged_dtype)
    client.log_artifacts(run_id, str(merged), artifact_path=MODEL_ARTIFACTS)
    version = register(client, config, run_id, tags)
    shutil.rmtree(out_dir)
    return version


def save_merged(model: "PeftModel", tokenizer_folder: Path, target: Path, dtype: Dtype) -> None:
    import torch
    from transformers import AutoTokenizer

    # safe_merge checks the merged weights for NaNs before replacing the base's.
    merged = model.merge_and_unload(safe_merge=True)
    merged.to(dtype=getattr(torch, dtype))
    merged.save_pretrained(target, safe_serialization=True)
    AutoTokenizer.from_pretrained(tokenizer_folder).save_pretrained(target)


def register(
    client: "MlflowClient", config: FinetuneConfig, run_id: str, tags: dict[str, str]
) -> str:
    """A new version whose source is the run's ``model/`` artifacts; the run's existing version
    when a process killed after registering is run again (no second version of one training)."""
    from mlflow.exceptions import MlflowException

    name = config.registered_model
    existing = client.search_model_versions(f"name = '{name}' and run_id = '{run_id}'")
    if existing:
        return str(existing[0].version)
    with contextlib.suppress(MlflowException):  # it exists from an earlier run
        client.create_registered_model(name)
    artifact_uri = client.get_run(run_id).info.artifact_uri
    version = client.create_model_version(
        name,
        source=f"{artifact_uri}/{MODEL_ARTIFACTS}",
        run_id=run_id,
        tags=tags,
        description=(
            f"LoRA (r={config.lora_r}, {'+'.join(config.target_modules)}) of "
            f"{tags['base_model.source']}, {config.steps} steps on {tags['dataset.reference']}"
        ),
    )
    return str(version.version)
