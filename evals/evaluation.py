"""Suite runs end to end, for the CLI and the gate: open the target once (serving a model URI
for the length of the runs), build the context from the platform's settings, score each suite,
log each to MLflow."""

import asyncio
from collections.abc import Sequence
from pathlib import Path

from evals.context import platform_context
from evals.runner import SuiteRun, run_suite
from evals.suite import Progress, Suite
from evals.targets import endpoint_target, open_target
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
) -> list[SuiteRun]:
    serving = serving or ServingSettings()
    judge = endpoint_target(judge_endpoint) if judge_endpoint else None
    needs_model = any(suite.needs_llm for suite in suites)
    with open_target(model_uri if needs_model else None, endpoint, serving) as target:

        async def scored() -> list[SuiteRun]:
            async with platform_context(
                target, books_dir, progress, judge, database_url
            ) as context:
                return [
                    await run_suite(
                        suite,
                        context,
                        serving.tracking_uri,
                        target=target.description if target else "no model",
                        limit=limit,
                        seed=seed,
                        tags={
                            **({"eval.model_uri": model_uri} if model_uri else {}),
                            **(tags or {}),
                        },
                    )
                    for suite in suites
                ]

        return asyncio.run(scored())
