"""``run(config)``: one MLflow run (experiment ``promotions``) that evaluates the candidate and
the champion on the same suites and sample, decides, moves the alias when the decision is to
promote, and records the decision with every figure, in MLflow and as a platform event.
``rollback(...)`` puts the previous champion back, recorded the same way."""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.model_registry import version_uri
from evals.catalogue import suite_named
from evals.compare import LoggedRun, load_run
from evals.evaluation import evaluate
from evals.runner import EXPERIMENT as EVAL_EXPERIMENT
from evals.runner import experiment_id, mlflow_client
from evals.suite import Suite
from evals.targets import scores_likelihood_only, uri_engine
from pipelines.promote import champion
from pipelines.promote.config import PromotionConfig
from pipelines.promote.decision import Decision, decide
from pipelines.promote.events import (
    MODEL_PROMOTED,
    MODEL_REJECTED,
    MODEL_ROLLED_BACK,
    ModelDecided,
    ModelRolledBack,
    record_event,
)
from serving.settings import ServingSettings

if TYPE_CHECKING:
    from mlflow import MlflowClient

EXPERIMENT = "promotions"


@dataclass(frozen=True)
class RunRef:
    """An eval run, fresh or found in MLflow: what the gate reads of it."""

    run_id: str
    suite: str
    passed: dict[str, bool]


@dataclass(frozen=True)
class PromotionResult:
    run_id: str
    candidate_version: str
    champion_version: str | None
    decision: Decision
    eval_runs: dict[str, str]  # "<role>.<suite>" → MLflow run id


def run(config: PromotionConfig) -> PromotionResult:
    client = mlflow_client(config.tracking_uri)
    name, candidate = config.registered_model, config.candidate_version
    holder = champion.current(client, name)
    run_id = client.create_run(
        experiment_id(client, EXPERIMENT),
        run_name=f"{name} v{candidate} vs champion v{holder}",
        tags={"promotion.model": name},
    ).info.run_id
    status = "FAILED"
    try:
        _log_params(client, run_id, config, holder)
        suites = [suite_named(suite) for suite in config.suites]
        # Both models run on the same engine: figures of one are comparable with the other's.
        likelihood_only = scores_likelihood_only(suites)
        ran = {"candidate": _evaluate(config, suites, candidate, likelihood_only)}
        if holder is not None:
            ran["champion"] = _champion_runs(client, config, suites, holder, likelihood_only)
        logged = {
            role: {r.suite: load_run(config.tracking_uri, r.run_id) for r in runs}
            for role, runs in ran.items()
        }
        failed = [
            f"{r.suite}.{metric}"
            for r in ran["candidate"]
            for metric, ok in r.passed.items()
            if not ok
        ]
        decision = decide(logged.get("champion"), logged["candidate"], config.target_suite, failed)
        eval_runs = {f"{role}.{r.suite}": r.run_id for role, runs in ran.items() for r in runs}
        _log_decision(client, run_id, decision, logged, eval_runs)
        if decision.promote:
            champion.promote(client, name, candidate)
        record_event(
            MODEL_PROMOTED if decision.promote else MODEL_REJECTED,
            _payload(config, holder, decision, run_id),
            config.database_url,
        )
        status = "FINISHED"
    finally:
        client.set_terminated(run_id, status)
    return PromotionResult(run_id, candidate, holder, decision, eval_runs)


def _evaluate(
    config: PromotionConfig, suites: Sequence[Suite], version: str, likelihood_only: bool
) -> list[RunRef]:
    runs = evaluate(
        suites,
        likelihood_only=likelihood_only,
        model_uri=version_uri(config.registered_model, version),
        endpoint=None,
        books_dir=config.books_dir,
        limit=config.limit,
        seed=config.seed,
        tags={"eval.model_version": version},
        serving=ServingSettings(mlflow_tracking_uri=config.tracking_uri),
        database_url=config.database_url,
    )
    return [RunRef(r.run_id, r.suite, r.passed) for r in runs]


def _champion_runs(
    client: "MlflowClient",
    config: PromotionConfig,
    suites: Sequence[Suite],
    version: str,
    likelihood_only: bool,
) -> list[RunRef]:
    """The champion's recent runs of the same suite versions and sample on the same engine where
    they exist (same questions: the comparison stays paired), fresh runs of the others."""
    engine = uri_engine(likelihood_only)
    reused = {suite.name: _recent_run(client, config, suite, version, engine) for suite in suites}
    missing = [suite for suite in suites if reused[suite.name] is None]
    fresh = (
        {r.suite: r for r in _evaluate(config, missing, version, likelihood_only)}
        if missing
        else {}
    )
    return [reused[s.name] or fresh[s.name] for s in suites]


def _recent_run(
    client: "MlflowClient", config: PromotionConfig, suite: Suite, version: str, engine: str
) -> RunRef | None:
    if config.reuse_hours <= 0:
        return None
    since = int((time.time() - config.reuse_hours * 3600) * 1000)
    limit = "all" if config.limit is None else str(config.limit)
    query = (
        f"tags.`eval.model_uri` = '{version_uri(config.registered_model, version)}' "
        f"and params.suite = '{suite.name}' and params.suite_version = '{suite.version}' "
        f"and params.limit = '{limit}' and params.seed = '{config.seed}' "
        f"and tags.`eval.engine` = '{engine}' "
        f"and attributes.status = 'FINISHED' and attributes.start_time > {since}"
    )
    found = client.search_runs(
        [experiment_id(client, EVAL_EXPERIMENT)],
        filter_string=query,
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    return RunRef(found[0].info.run_id, suite.name, {}) if found else None


def _log_params(
    client: "MlflowClient", run_id: str, config: PromotionConfig, holder: str | None
) -> None:
    from mlflow.entities import Param

    values = {
        "registered_model": config.registered_model,
        "candidate_version": config.candidate_version,
        "champion_version": holder or "none",
        "suites": ",".join(config.suites),
        "target_suite": config.target_suite,
        "limit": "all" if config.limit is None else str(config.limit),
        "seed": str(config.seed),
    }
    client.log_batch(run_id, params=[Param(k, v) for k, v in values.items()])


def _log_decision(
    client: "MlflowClient",
    run_id: str,
    decision: Decision,
    logged: dict[str, dict[str, LoggedRun]],
    eval_runs: dict[str, str],
) -> None:
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    figures = _figures(decision)
    metrics = [Metric(k, v, now, 0) for k, v in figures.items() if v is not None]
    client.log_batch(run_id, metrics=metrics)
    client.set_tag(run_id, "decision", "promoted" if decision.promote else "rejected")
    client.set_tag(run_id, "reason", decision.reason[:5000])
    for key, eval_run in eval_runs.items():
        client.set_tag(run_id, f"eval_run.{key}", eval_run)
    client.log_dict(
        run_id,
        {
            "promote": decision.promote,
            "reason": decision.reason,
            "regressing_suites": decision.regressing_suites,
            "figures": figures,
            "eval_runs": eval_runs,
            "suites": {role: sorted(runs) for role, runs in logged.items()},
        },
        "decision.json",
    )


def _figures(decision: Decision) -> dict[str, float | None]:
    """Every compared metric: champion, candidate, difference and its interval."""
    figures: dict[str, float | None] = {}
    for suite, deltas in decision.deltas.items():
        for delta in deltas:
            prefix = f"{suite}.{delta.metric.name}"
            figures[f"{prefix}.champion"] = delta.before
            figures[f"{prefix}.candidate"] = delta.after
            if delta.difference is not None:
                figures[f"{prefix}.delta"] = delta.difference.mean
                figures[f"{prefix}.delta_low"] = delta.difference.low
                figures[f"{prefix}.delta_high"] = delta.difference.high
    return figures


def _payload(
    config: PromotionConfig, holder: str | None, decision: Decision, run_id: str
) -> ModelDecided:
    return ModelDecided(
        model=config.registered_model,
        candidate_version=config.candidate_version,
        champion_version=holder,
        decision="promoted" if decision.promote else "rejected",
        reason=decision.reason,
        regressing_suites=decision.regressing_suites,
        mlflow_run_id=run_id,
        figures=_figures(decision),
    )


@dataclass(frozen=True)
class RollbackResult:
    run_id: str
    from_version: str
    to_version: str


def rollback(
    registered_model: str, tracking_uri: str, reason: str, database_url: str | None = None
) -> RollbackResult:
    """Move ``champion`` back to the version before the current one (serving follows it)."""
    client = mlflow_client(tracking_uri)
    run_id = client.create_run(
        experiment_id(client, EXPERIMENT),
        run_name=f"{registered_model} rollback",
        tags={"promotion.model": registered_model, "decision": "rolled_back", "reason": reason},
    ).info.run_id
    status = "FAILED"
    try:
        left, back_to = champion.roll_back(client, registered_model)
        client.log_dict(
            run_id,
            {"from_version": left, "to_version": back_to, "reason": reason},
            "decision.json",
        )
        record_event(
            MODEL_ROLLED_BACK,
            ModelRolledBack(
                model=registered_model,
                from_version=left,
                to_version=back_to,
                reason=reason,
                mlflow_run_id=run_id,
            ),
            database_url,
        )
        status = "FINISHED"
    finally:
        client.set_terminated(run_id, status)
    return RollbackResult(run_id, left, back_to)
