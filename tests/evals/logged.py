"""What a suite run left in MLflow, read back through the run's own store."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mlflow import MlflowClient

from evals.runner import EXAMPLES_ARTIFACT, THRESHOLDS_ARTIFACT
from evals.suite import Suite


@dataclass(frozen=True)
class LoggedRun:
    status: str
    params: dict[str, str]
    metrics: dict[str, float]
    examples: list[dict[str, Any]]
    thresholds: dict[str, Any]


def logged_run(tracking_uri: str, run_id: str, folder: Path) -> LoggedRun:
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    run = client.get_run(run_id)

    def artifact(name: str) -> Any:
        return json.loads(Path(client.download_artifacts(run_id, name, str(folder))).read_text())

    return LoggedRun(
        run.info.status,
        dict(run.data.params),
        dict(run.data.metrics),
        artifact(EXAMPLES_ARTIFACT)["examples"],
        artifact(THRESHOLDS_ARTIFACT),
    )


def assert_every_metric_has_an_interval(suite: Suite, logged: LoggedRun) -> None:
    """Each metric the examples scored is logged with its bootstrap interval around its mean
    and the number of examples it rests on."""
    scored = {name for example in logged.examples for name in example["scores"]}
    assert scored <= {metric.name for metric in suite.thresholds.metrics}
    for name in scored:
        values = [e["scores"][name] for e in logged.examples if name in e["scores"]]
        metrics = logged.metrics
        assert metrics[name] == pytest.approx(sum(values) / len(values))
        assert metrics[f"{name}.ci_low"] <= metrics[name] <= metrics[f"{name}.ci_high"]
        assert metrics[f"{name}.n"] == len(values)
