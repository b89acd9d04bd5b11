"""Runs one suite against one target and records it as one MLflow run: parameters (suite, dataset
version, target, sample), each metric's mean with its bootstrap interval, whether it passes its
threshold, and the per-example table as an artefact that ``compare`` reads back."""

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from evals.stats import Estimate, bootstrap_mean
from evals.suite import Example, Suite, SuiteContext

if TYPE_CHECKING:
    from mlflow import MlflowClient

EXPERIMENT = "evals"
EXAMPLES_ARTIFACT = "examples.json"
THRESHOLDS_ARTIFACT = "thresholds.json"
TABLE_ARTIFACT = "examples_table.json"


@dataclass(frozen=True)
class SuiteRun:
    run_id: str
    suite: str
    version: str
    target: str
    estimates: dict[str, Estimate]
    passed: dict[str, bool]
    examples: list[Example]
    seconds: float

    @property
    def all_passed(self) -> bool:
        return all(self.passed.values())


def estimates_of(suite: Suite, examples: Sequence[Example], seed: int) -> dict[str, Estimate]:
    """Each metric's mean over the examples that have a score for it."""
    found = {}
    for metric in suite.thresholds.metrics:
        values = [e.scores[metric.name] for e in examples if metric.name in e.scores]
        if values:
            found[metric.name] = bootstrap_mean(values, seed=seed)
    return found


def mlflow_client(tracking_uri: str) -> "MlflowClient":
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


def experiment_id(client: "MlflowClient", name: str) -> str:
    found = client.get_experiment_by_name(name)
    return found.experiment_id if found is not None else client.create_experiment(name)


async def run_suite(
    suite: Suite,
    context: SuiteContext,
    tracking_uri: str,
    *,
    target: str,
    limit: int | None = None,
    seed: int = 0,
    tags: dict[str, str] | None = None,
) -> SuiteRun:
    """Score the suite's sample and log it; a failed scoring leaves a FAILED run behind."""
    client = mlflow_client(tracking_uri)
    run = client.create_run(
        experiment_id(client, EXPERIMENT),
        run_name=f"{suite.name} · {target}",
        tags={"eval.suite": suite.name, "eval.target": target, **(tags or {})},
    )
    run_id = run.info.run_id
    status = "FAILED"
    try:
        _log_params(client, run_id, suite, target, limit, seed)
        started = time.perf_counter()
        examples = await suite.score(context, suite.load(context.books_dir, limit, seed))
        seconds = time.perf_counter() - started
        estimates = estimates_of(suite, examples, seed)
        passed = {
            name: suite.thresholds.metric(name).passes(estimate.mean)
            for name, estimate in estimates.items()
        }
        _log_results(client, run_id, suite, estimates, passed, examples, seconds)
        status = "FINISHED"
    finally:
        client.set_terminated(run_id, status)
    return SuiteRun(run_id, suite.name, suite.version, target, estimates, passed, examples, seconds)


def _log_params(
    client: "MlflowClient",
    run_id: str,
    suite: Suite,
    target: str,
    limit: int | None,
    seed: int,
) -> None:
    from mlflow.entities import Param

    values = {
        "suite": suite.name,
        "suite_version": suite.version,
        "target": target[:500],
        "limit": "all" if limit is None else str(limit),
        "seed": str(seed),
    }
    client.log_batch(run_id, params=[Param(name, value) for name, value in values.items()])


def _log_results(
    client: "MlflowClient",
    run_id: str,
    suite: Suite,
    estimates: dict[str, Estimate],
    passed: dict[str, bool],
    examples: Sequence[Example],
    seconds: float,
) -> None:
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    values: dict[str, float] = {"seconds": seconds, "examples": float(len(examples))}
    for name, estimate in estimates.items():
        values |= {
            name: estimate.mean,
            f"{name}.ci_low": estimate.low,
            f"{name}.ci_high": estimate.high,
            f"{name}.n": float(estimate.n),
            f"{name}.passed": float(passed[name]),
        }
    client.log_batch(run_id, metrics=[Metric(k, v, now, 0) for k, v in values.items()])
    client.log_dict(run_id, {"examples": [asdict(e) for e in examples]}, EXAMPLES_ARTIFACT)
    client.log_table(run_id, data=example_table(suite, examples), artifact_file=TABLE_ARTIFACT)
    client.log_dict(
        run_id,
        {
            "target": suite.thresholds.target,
            "metrics": [asdict(m) for m in suite.thresholds.metrics],
        },
        THRESHOLDS_ARTIFACT,
    )


def example_table(suite: Suite, examples: Sequence[Example]) -> dict[str, list[object]]:
    """Columns for MLflow's table view: the id, one column per metric (blank where it does not
    apply), then what each example recorded."""
    fields = sorted({name for e in examples for name in e.record})
    columns: dict[str, list[object]] = {"example_id": [e.example_id for e in examples]}
    for metric in suite.thresholds.metrics:
        columns[metric.name] = [e.scores.get(metric.name) for e in examples]
    for name in fields:
        columns[f"record.{name}"] = [_cell(e.record.get(name)) for e in examples]
    return columns


def _cell(value: object) -> object:
    return (
        value if value is None or isinstance(value, str | int | float | bool) else json.dumps(value)
    )
