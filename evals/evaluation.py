"""Suite runs end to end, for the CLI and the gate: open the model once (serving a model URI
for the length of the runs, or reading it in process when the suites only score
log-probabilities), build the context from the platform's settings, score each suite, log each to
MLflow with the engine that ran the model (tag ``eval.engine``)."""

import asyncio
from collections.abc import Sequence
from pathlib import Path

from evals.context import platform_context
from evals.runner import SuiteRun, run_suite
from evals.suite import Progress, Suite
from evals.targets import endpoint_target, open_model, scores_likelihood_only
from serving.settings import ServingSettings


def evaluate(
    suites: Sequence[Suite],
    *,
    model_uri: str | None,
    endpoint: str | None,
    books_dir: Path,
    limit: int | None = None,
    seed: int = 0,
    judge_endpoint: str | None = None,
    progress: Progress = lambda done, total: None,
    tags: dict[str, str] | None = None,
    serving: ServingSettings | None = None,
    database_url: str | None = None,
    likelihood_only: bool | None = None,
) -> list[SuiteRun]:
    """``likelihood_only``: whether the run only scores log-probabilities, so that a model URI
    may be read in process (default: whether these suites do); the gate decides it once for both
    of its models, which keeps their runs comparable."""
    serving = serving or ServingSettings()
    judge = endpoint_target(judge_endpoint) if judge_endpoint else None
    asking = [suite for suite in suites if suite.needs_llm]
    with open_model(
        model_uri if asking else None,
        endpoint,
        serving,
        likelihood_only=(
            scores_likelihood_only(suites) if likelihood_only is None else likelihood_only
        ),
    ) as model:

        async def scored() -> list[SuiteRun]:
            async with platform_context(model, books_dir, progress, judge, database_url) as context:
                return [
                    await run_suite(
                        suite,
                        context,
                        serving.tracking_uri,
                        target=model.description,
                        limit=limit,
                        seed=seed,
                        tags={
                            **({"eval.model_uri": model_uri} if model_uri else {}),
                            "eval.engine": model.engine,
                            **(tags or {}),
                        },
                    )
                    for suite in suites
                ]

        return asyncio.run(scored())
