"""The build's MLflow run, through one ``MlflowClient`` (never the fluent API, whose process-wide
active run and tracking URI would leak into the next run in this process)."""

import time
from typing import TYPE_CHECKING, Any

from pipelines.datasets.writer import WrittenDataset

if TYPE_CHECKING:
    from mlflow import MlflowClient

DATASET_ARTIFACTS = "dataset"
HASH_TAG = "dataset.hash"


def client(tracking_uri: str) -> "MlflowClient":
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


def start_run(mlflow: "MlflowClient", experiment: str) -> str:
    found = mlflow.get_experiment_by_name(experiment)
    if found is not None:
        experiment_id = found.experiment_id
    else:
        experiment_id = mlflow.create_experiment(experiment)
    return str(mlflow.create_run(experiment_id).info.run_id)


def log_dataset(mlflow: "MlflowClient", run_id: str, written: WrittenDataset) -> None:
    """The folder as artifacts ``dataset/``, its hash as a tag, its counts as metrics, the
    settings that shaped it as params."""
    from mlflow.entities import Metric, Param, RunTag

    manifest = written.manifest
    now = int(time.time() * 1000)
    values: dict[str, float] = {
        "rows_train": manifest["rows"]["train"],
        "rows_validation": manifest["rows"]["validation"],
        **{f"rows_{source}": count for source, count in manifest["sources"].items()},
        **{f"dropped_{reason}": count for reason, count in manifest["dropped"].items()},
    }
    mlflow.log_batch(
        run_id,
        metrics=[Metric(name, float(value), now, 0) for name, value in values.items()],
        params=[Param(name, _param(value)) for name, value in manifest["settings"].items()],
        tags=[
            RunTag(HASH_TAG, written.hash),
            RunTag("dataset.builder_version", manifest["builder_version"]),
            RunTag("dataset.checks", ",".join(manifest["checks"])),
        ],
    )
    mlflow.log_artifacts(run_id, str(written.folder), artifact_path=DATASET_ARTIFACTS)


def _param(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)
