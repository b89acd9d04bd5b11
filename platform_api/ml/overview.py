"""Reading the MLflow store the pipelines and evaluations write (synchronous MLflow calls: the
routes run this in a worker thread)."""

from collections import defaultdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from core.errors import ServiceUnavailable
from core.model_registry import CHAMPION_ALIAS
from evals.runner import EXPERIMENT as EVAL_EXPERIMENT
from evals.runner import mlflow_client
from pipelines.promote import champion
from pipelines.promote.pipeline import EXPERIMENT as PROMOTION_EXPERIMENT
from platform_api.ml.schemas import (
    EvalRunOut,
    MetricOut,
    MlOverview,
    ModelVersionOut,
    PromotionOut,
    RegisteredModelOut,
    SuiteRuns,
)

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import Run

VERSIONS_SHOWN = 10
RUNS_SEARCHED = 500
INTERVAL_SUFFIXES = (".ci_low", ".ci_high", ".n", ".passed")


def _when(milliseconds: int | None) -> datetime:
    return datetime.fromtimestamp((milliseconds or 0) / 1000, tz=UTC)


class Links:
    """Addresses of MLflow UI pages (none without a UI)."""

    def __init__(self, ui: str | None) -> None:
        self.ui = ui

    def run(self, run: "Run") -> str | None:
        info = run.info
        return (
            f"{self.ui}/#/experiments/{info.experiment_id}/runs/{info.run_id}" if self.ui else None
        )

    def version(self, name: str, version: str) -> str | None:
        return f"{self.ui}/#/models/{name}/versions/{version}" if self.ui else None


def _models(client: "MlflowClient", links: Links) -> list[RegisteredModelOut]:
    models = []
    for registered in client.search_registered_models(order_by=["name ASC"]):
        name = registered.name
        aliases = {alias: str(version) for alias, version in (registered.aliases or {}).items()}
        aliases_of: dict[str, list[str]] = defaultdict(list)
        for alias, version in aliases.items():
            aliases_of[version].append(alias)
        versions = client.search_model_versions(
            f"name = '{name}'", max_results=VERSIONS_SHOWN, order_by=["version_number DESC"]
        )
        models.append(
            RegisteredModelOut(
                name=name,
                description=registered.description or "",
                champion=aliases.get(CHAMPION_ALIAS),
                champion_history=champion.history(client, name),
                versions=[
                    ModelVersionOut(
                        version=str(v.version),
                        created_at=_when(v.creation_timestamp),
                        aliases=sorted(aliases_of.get(str(v.version), [])),
                        run_id=v.run_id or None,
                        source=v.source or "",
                        description=v.description or "",
                        link=links.version(name, str(v.version)),
                    )
                    for v in versions
                ],
            )
        )
    return models


def _metrics(values: dict[str, float]) -> list[MetricOut]:
    """The suite's figures with their intervals (the runner logs ``<name>.ci_low`` and the rest
    beside each ``<name>``); the run's time and size last."""
    names = [n for n in values if not n.endswith(INTERVAL_SUFFIXES)]
    names.sort(key=lambda n: (n in ("seconds", "examples"), n))
    return [
        MetricOut(
            name=name,
            value=values[name],
            ci_low=values.get(f"{name}.ci_low"),
            ci_high=values.get(f"{name}.ci_high"),
            n=int(values[f"{name}.n"]) if f"{name}.n" in values else None,
            passed=bool(values[f"{name}.passed"]) if f"{name}.passed" in values else None,
        )
        for name in names
    ]


def _runs(client: "MlflowClient", experiment: str, limit: int) -> list["Run"]:
    found = client.get_experiment_by_name(experiment)
    if found is None:
        return []
    return list(
        client.search_runs(
            [found.experiment_id], max_results=limit, order_by=["attributes.start_time DESC"]
        )
    )


def _suites(client: "MlflowClient", links: Links, per_suite: int) -> list[SuiteRuns]:
    by_suite: dict[str, list[EvalRunOut]] = defaultdict(list)
    for run in _runs(client, EVAL_EXPERIMENT, RUNS_SEARCHED):
        tags = run.data.tags
        suite = tags.get("eval.suite", "?")
        if len(by_suite[suite]) < per_suite:
            by_suite[suite].append(
                EvalRunOut(
                    run_id=run.info.run_id,
                    suite=suite,
                    target=tags.get("eval.target", ""),
                    model_version=tags.get("eval.model_version"),
                    status=run.info.status,
                    started_at=_when(run.info.start_time),
                    metrics=_metrics(dict(run.data.metrics)),
                    link=links.run(run),
                )
            )
    return [SuiteRuns(suite=suite, runs=runs) for suite, runs in sorted(by_suite.items())]


def _promotions(client: "MlflowClient", links: Links, limit: int) -> list[PromotionOut]:
    return [
        PromotionOut(
            run_id=run.info.run_id,
            title=run.info.run_name or "",
            model=run.data.tags.get("promotion.model"),
            decision=run.data.tags.get("decision"),
            reason=run.data.tags.get("reason", ""),
            status=run.info.status,
            decided_at=_when(run.info.end_time or run.info.start_time),
            link=links.run(run),
        )
        for run in _runs(client, PROMOTION_EXPERIMENT, limit)
    ]


def overview(tracking_uri: str, ui: str | None, runs_per_suite: int, promotions: int) -> MlOverview:
    """The registry, the latest runs of each evaluation suite and the latest decisions."""
    from mlflow.exceptions import MlflowException

    links = Links(ui)
    try:
        client = mlflow_client(tracking_uri)
        return MlOverview(
            mlflow_ui=ui,
            models=_models(client, links),
            suites=_suites(client, links, runs_per_suite),
            promotions=_promotions(client, links, promotions),
        )
    except MlflowException as error:
        raise ServiceUnavailable(f"The MLflow store could not be read: {error.message}") from error
