"""``run(config)``: one MLflow run that trains the detector in the vision environment, logs its
parameters, metrics, training log and ONNX file, and registers the file as a new version of
``proctor-detector`` (the ``champion`` alias moves to it only when asked: ``promote``).

MLflow is used here, in the main environment, and not inside the vision environment, so that one
MLflow version (the one the proctor reads the registry with) writes the registry.
"""

import contextlib
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.model_registry import CHAMPION_ALIAS, version_uri
from pipelines.proctor_detector.config import DetectorTrainingConfig
from pipelines.proctor_detector.vision import TrainingOutcome, train_in_vision_env, training_log

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
    import mlflow

    mlflow.set_tracking_uri(config.tracking_uri)
    mlflow.set_experiment(config.experiment)
    with mlflow.start_run() as active:
        mlflow.log_params(_params(config))
        mlflow.set_tag("license.ultralytics", "AGPL-3.0")
        try:
            outcome = train_in_vision_env(config)
        finally:  # a failed run keeps its log, which says why
            if training_log(config).is_file():
                mlflow.log_artifact(str(training_log(config)), artifact_path="training")
        _log_outcome(outcome)
        version = _register(config, active.info.run_id, active.info.artifact_uri)
    return DetectorTrainingResult(
        run_id=active.info.run_id,
        version=version,
        model_uri=version_uri(config.registered_model, version),
        promoted=config.promote,
        metrics=final_metrics(outcome.metrics),
        train_seconds=outcome.train_seconds,
    )


def _params(config: DetectorTrainingConfig) -> dict[str, object]:
    return {
        "data": str(config.data),
        "architecture": config.architecture,
        "epochs": config.epochs,
        "image_size": config.image_size,
        "batch": config.batch,
        "seed": config.seed,
        **{f"override.{name}": value for name, value in config.overrides.items()},
    }


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


def _log_outcome(outcome: TrainingOutcome) -> None:
    import mlflow

    mlflow.log_params({f"version.{name}": value for name, value in outcome.versions.items()})
    for epoch, metrics in epoch_metrics(outcome.results_csv):
        mlflow.log_metrics(metrics, step=epoch)
    mlflow.log_metrics(
        {
            **final_metrics(outcome.metrics),
            "train_seconds": outcome.train_seconds,
            "export_seconds": outcome.export_seconds,
        }
    )
    mlflow.log_artifact(str(outcome.results_csv), artifact_path="training")
    mlflow.log_artifact(str(outcome.onnx), artifact_path=DETECTOR_ARTIFACTS)


def _register(config: DetectorTrainingConfig, run_id: str, artifact_uri: str) -> str:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient(tracking_uri=config.tracking_uri, registry_uri=config.tracking_uri)
    with contextlib.suppress(MlflowException):  # it exists from an earlier run
        client.create_registered_model(config.registered_model)
    version = str(
        client.create_model_version(
            config.registered_model, source=f"{artifact_uri}/{DETECTOR_ARTIFACTS}", run_id=run_id
        ).version
    )
    if config.promote:
        client.set_registered_model_alias(config.registered_model, CHAMPION_ALIAS, version)
    return version
