"""``run(config)``: one MLflow run that trains the detector in the vision environment, logs its
parameters, metrics, training log and ONNX file, and registers the file as a new version of
``proctor-detector`` (the ``champion`` alias moves to it only when asked: ``promote``).

MLflow is used here, in the main environment, and not inside the vision environment, so that one
MLflow version (the one the proctor reads the registry with) writes the registry.
"""

import contextlib
import csv
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.model_registry import CHAMPION_ALIAS, version_uri
from pipelines.proctor_detector.config import DetectorTrainingConfig
from pipelines.proctor_detector.vision import TrainingOutcome, train_in_vision_env, training_log

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

DETECTOR_ARTIFACTS = "detector"


@dataclass(frozen=True)
class DetectorTrainingResult:
    run_id: str
    version: str
    model_uri: str
    promoted: bool
    metrics: dict[str, float]
    train_seconds: float


def run(config: DetectorTrainingConfig) -> DetectorTrainingResult:
    """Train, log and register through one ``MlflowClient``: the fluent API would leave an active
    experiment and tracking URI behind in the process (a later run elsewhere would then look for
    this experiment in its own store)."""
    client = _client(config)
    run_id = client.create_run(_experiment_id(client, config.experiment)).info.run_id
    status = "FAILED"
    try:
        client.log_batch(run_id, params=_params(config))
        client.set_tag(run_id, "license.ultralytics", "AGPL-3.0")
        try:
            outcome = train_in_vision_env(config)
        finally:  # a failed run keeps its log, which says why
            if training_log(config).is_file():
                client.log_artifact(run_id, str(training_log(config)), artifact_path="training")
        _log_outcome(client, run_id, outcome)
        version = _register(client, config, run_id)
        status = "FINISHED"
    finally:
        client.set_terminated(run_id, status)
    return DetectorTrainingResult(
        run_id=run_id,
        version=version,
        model_uri=version_uri(config.registered_model, version),
        promoted=config.promote,
        metrics=final_metrics(outcome.metrics),
        train_seconds=outcome.train_seconds,
    )


def _client(config: DetectorTrainingConfig) -> "MlflowClient":
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=config.tracking_uri, registry_uri=config.tracking_uri)


def _experiment_id(client: "MlflowClient", name: str) -> str:
    found = client.get_experiment_by_name(name)
    return found.experiment_id if found is not None else client.create_experiment(name)


def _params(config: DetectorTrainingConfig) -> list["Param"]:
    from mlflow.entities import Param

    values: dict[str, object] = {
        "data": config.data,
        "architecture": config.architecture,
        "epochs": config.epochs,
        "image_size": config.image_size,
        "batch": config.batch,
        "seed": config.seed,
        **{f"override.{name}": value for name, value in config.overrides.items()},
    }
    return [Param(name, str(value)) for name, value in values.items()]


def metric_name(ultralytics_name: str) -> str:
    """``metrics/mAP50(B)`` → ``mAP50``: MLflow takes no parentheses in a metric's name."""
    return ultralytics_name.removeprefix("metrics/").replace("(B)", "")


def final_metrics(results: dict[str, float]) -> dict[str, float]:
    return {metric_name(name): value for name, value in results.items()}


def epoch_metrics(results_csv: Path) -> Iterator[tuple[int, dict[str, float]]]:
    """Each epoch's losses and validation metrics from ultralytics' ``results.csv``."""
    with results_csv.open(newline="") as rows:
        for row in csv.DictReader(rows):
            epoch = int(float(row.pop("epoch")))
            yield epoch, {metric_name(name.strip()): float(value) for name, value in row.items()}


def _log_outcome(client: "MlflowClient", run_id: str, outcome: TrainingOutcome) -> None:
    from mlflow.entities import Param

    versions = [Param(f"version.{name}", value) for name, value in outcome.versions.items()]
    client.log_batch(run_id, params=[*versions, Param("threads", str(outcome.threads))])
    for epoch, metrics in epoch_metrics(outcome.results_csv):
        client.log_batch(run_id, metrics=_metrics(metrics, step=epoch))
    summary = {
        **final_metrics(outcome.metrics),
        "train_seconds": outcome.train_seconds,
        "export_seconds": outcome.export_seconds,
    }
    client.log_batch(run_id, metrics=_metrics(summary, step=0))
    client.log_artifact(run_id, str(outcome.results_csv), artifact_path="training")
    client.log_artifact(run_id, str(outcome.onnx), artifact_path=DETECTOR_ARTIFACTS)


def _metrics(values: dict[str, float], step: int) -> list["Metric"]:
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    return [Metric(name, value, now, step) for name, value in values.items()]


def _register(client: "MlflowClient", config: DetectorTrainingConfig, run_id: str) -> str:
    from mlflow.exceptions import MlflowException

    with contextlib.suppress(MlflowException):  # it exists from an earlier run
        client.create_registered_model(config.registered_model)
    artifact_uri = client.get_run(run_id).info.artifact_uri
    version = str(
        client.create_model_version(
            config.registered_model, source=f"{artifact_uri}/{DETECTOR_ARTIFACTS}", run_id=run_id
        ).version
    )
    if config.promote:
        client.set_registered_model_alias(config.registered_model, CHAMPION_ALIAS, version)
    return version
