"""Two logged runs of one suite compared metric by metric: the difference with its bootstrap
interval (paired over the questions both runs asked) and a verdict that calls a difference an
improvement or a regression only when the interval says so."""

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from evals.runner import EXAMPLES_ARTIFACT, THRESHOLDS_ARTIFACT, mlflow_client
from evals.stats import Estimate, bootstrap_difference
from evals.suite import Metric

if TYPE_CHECKING:
    from mlflow import MlflowClient

Verdict = Literal["improved", "regressed", "no clear difference"]


@dataclass(frozen=True)
class LoggedRun:
    run_id: str
    suite: str
    target: str
    metrics: tuple[Metric, ...]
    target_metric: str
    scores: dict[str, dict[str, float]]  # metric → example id → score


@dataclass(frozen=True)
class Delta:
    metric: Metric
    before: float | None
    after: float | None
    difference: Estimate | None  # after - before; None when either run lacks the metric
    verdict: Verdict


def load_run(tracking_uri: str, run_id: str) -> LoggedRun:
    client = mlflow_client(tracking_uri)
    run = client.get_run(run_id)
    with tempfile.TemporaryDirectory() as folder:
        examples = _artifact(client, run_id, EXAMPLES_ARTIFACT, folder)["examples"]
        thresholds = _artifact(client, run_id, THRESHOLDS_ARTIFACT, folder)
    metrics = tuple(Metric(**m) for m in thresholds["metrics"])
    scores: dict[str, dict[str, float]] = {m.name: {} for m in metrics}
    for example in examples:
        for name, value in example["scores"].items():
            scores.setdefault(name, {})[example["example_id"]] = float(value)
    return LoggedRun(
        run_id,
        run.data.params["suite"],
        run.data.params.get("target", ""),
        metrics,
        thresholds["target"],
        scores,
    )


def _artifact(client: "MlflowClient", run_id: str, name: str, folder: str) -> Any:
    """A JSON artefact of a run, read through this store's client (``mlflow.artifacts`` would
    resolve ``runs:/`` with the process's default store)."""
    return json.loads(Path(client.download_artifacts(run_id, name, folder)).read_text())


def verdict(metric: Metric, difference: Estimate) -> Verdict:
    """Improved: the whole interval is on the better side. Regressed: worse than the metric's
    tolerance and the whole interval on the worse side."""
    low, high = sorted(
        (metric.toward_better(difference.low), metric.toward_better(difference.high))
    )
    if low > 0:
        return "improved"
    if high < 0 and metric.toward_better(difference.mean) < -metric.tolerance:
        return "regressed"
    return "no clear difference"


def _mean(values: dict[str, float]) -> float | None:
    return sum(values.values()) / len(values) if values else None


def compare(before: LoggedRun, after: LoggedRun, seed: int = 0) -> list[Delta]:
    if before.suite != after.suite:
        raise ValueError(f"runs of different suites: {before.suite} and {after.suite}")
    deltas = []
    for metric in after.metrics:
        a, b = before.scores.get(metric.name, {}), after.scores.get(metric.name, {})
        if not a or not b:
            deltas.append(Delta(metric, _mean(a), _mean(b), None, "no clear difference"))
            continue
        difference = bootstrap_difference(a, b, seed=seed)
        deltas.append(Delta(metric, _mean(a), _mean(b), difference, verdict(metric, difference)))
    return deltas
