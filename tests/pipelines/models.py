"""Registered models for the gate's tests: the bundled model, and a deliberately degraded copy
of it (Gaussian noise of a fixed share of each weight tensor's own spread, seeded), whose
held-out solutions become far less likely: a champion any honest fine-tune beats."""

import contextlib
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

WEIGHTS = "model.safetensors"


def degraded_copy(model_dir: Path, target: Path, noise: float, seed: int = 0) -> Path:
    """``model_dir`` copied to ``target`` with every floating tensor ``w`` replaced by
    ``w + noise * std(w) * N(0, 1)``."""
    shutil.copytree(model_dir, target, ignore=shutil.ignore_patterns(WEIGHTS, ".wc-prepared"))
    generator = torch.Generator().manual_seed(seed)
    tensors = load_file(str(model_dir / WEIGHTS))
    for name, tensor in tensors.items():
        if tensor.is_floating_point() and tensor.numel() > 1:
            spread = tensor.float().std()
            jitter = torch.randn(tensor.shape, generator=generator) * spread * noise
            tensors[name] = (tensor.float() + jitter).to(tensor.dtype)
    save_file(tensors, str(target / WEIGHTS), metadata={"format": "pt"})
    return target


def register(tracking_uri: str, name: str, model_dir: Path) -> str:
    """Log a model directory as a run's ``model`` artefact and register it; the version."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    experiment = client.get_experiment_by_name("test-models")
    experiment_id = (
        experiment.experiment_id if experiment else client.create_experiment("test-models")
    )
    run = client.create_run(experiment_id)
    client.log_artifacts(run.info.run_id, str(model_dir), artifact_path="model")
    client.set_terminated(run.info.run_id)
    with contextlib.suppress(MlflowException):
        client.create_registered_model(name)
    version = client.create_model_version(
        name, source=f"{run.info.artifact_uri}/model", run_id=run.info.run_id
    )
    return str(version.version)
