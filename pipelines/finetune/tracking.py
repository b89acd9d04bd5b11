"""The fine-tune's MLflow run, through one ``MlflowClient`` (never the fluent API, whose process
globals leak into later runs): start it or reopen the one a checkpoint names, and write the
per-step metrics in batches rather than one blocking call per step.
"""

import time
from typing import TYPE_CHECKING

from pipelines.finetune.config import FinetuneConfig

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import Metric

RESUMED_TAG = "finetune.resumed_from_steps"
FINGERPRINT_TAG = "finetune.fingerprint"
# MLflow accepts at most 1000 metrics in one log_batch call.
_BATCH_LIMIT = 1000


def make_client(tracking_uri: str) -> "MlflowClient":
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


def _experiment_id(client: "MlflowClient", name: str) -> str:
    found = client.get_experiment_by_name(name)
    return found.experiment_id if found is not None else client.create_experiment(name)


def config_params(config: FinetuneConfig) -> dict[str, str]:
    values = config.model_dump(mode="json")
    values["target_modules"] = ",".join(config.target_modules)
    return {name: "" if value is None else str(value) for name, value in values.items()}


def start_run(client: "MlflowClient", config: FinetuneConfig, tags: dict[str, str]) -> str:
    """A new run in the config's experiment, with the config as parameters and the lineage as
    tags (``mlflow.source.git.commit`` too, which the MLflow UI shows beside the run)."""
    from mlflow.entities import Param, RunTag

    run_id = str(client.create_run(_experiment_id(client, config.experiment)).info.run_id)
    run_tags = {**tags, FINGERPRINT_TAG: config.fingerprint()}
    if "-dirty" not in tags["code.version"] and "==" not in tags["code.version"]:
        run_tags["mlflow.source.git.commit"] = tags["code.version"]
    client.log_batch(
        run_id,
        params=[Param(name, value) for name, value in config_params(config).items()],
        tags=[RunTag(name, value) for name, value in run_tags.items()],
    )
    return run_id


def reopen_run(client: "MlflowClient", run_id: str, from_step: int) -> None:
    """Mark a run that a killed process left RUNNING (or that failed) as running again, and
    record the step it resumes from beside earlier resumptions."""
    earlier = client.get_run(run_id).data.tags.get(RESUMED_TAG)
    client.update_run(run_id, status="RUNNING")
    steps = f"{earlier},{from_step}" if earlier else str(from_step)
    client.set_tag(run_id, RESUMED_TAG, steps)


class MetricBuffer:
    """Metrics kept in memory until ``flush``: the training loop flushes every ``log_every``
    steps and before each checkpoint, so what a checkpoint holds is in MLflow already."""

    def __init__(self, client: "MlflowClient", run_id: str) -> None:
        self.client = client
        self.run_id = run_id
        self.pending: list[Metric] = []

    def add(self, step: int, values: dict[str, float]) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        self.pending.extend(Metric(name, value, now, step) for name, value in values.items())

    def flush(self) -> None:
        for start in range(0, len(self.pending), _BATCH_LIMIT):
            self.client.log_batch(self.run_id, metrics=self.pending[start : start + _BATCH_LIMIT])
        self.pending.clear()
