"""Eval suite wall time: the ``model`` suite through the runner (scoring, bootstrap intervals,
the MLflow run with its per-example table) next to the bare endpoint calls the suite makes, the
same requests at the same concurrency, with nothing around them. ``bench/ml.py`` prints the rows.
"""

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from evals.likelihood import LETTER_PROMPT
from evals.runner import run_suite
from evals.suite import SuiteContext
from evals.suites.model import SUITE
from evals.suites.model.dataset import WorkedSolution
from evals.suites.model.scorer import CONCURRENCY, SOLVE_PROMPT
from evals.suites.tutor.dataset import ChoiceQuestion
from evals.targets import Target
from serving.client import LLMClient


async def _bare(llm: LLMClient, items: list[Any]) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(item: Any) -> None:
        async with gate:
            if isinstance(item, WorkedSolution):
                asked = [
                    {"role": "system", "content": SOLVE_PROMPT},
                    {"role": "user", "content": item.problem},
                ]
                await llm.reply_logprobs(asked, item.solution)  # type: ignore[arg-type]
            else:
                assert isinstance(item, ChoiceQuestion)
                await llm.next_token_logprobs(
                    [
                        {"role": "system", "content": LETTER_PROMPT},
                        {"role": "user", "content": f"{item.asked()}\nAnswer:"},
                    ]
                )

    await asyncio.gather(*(one(item) for item in items))


async def _timed_suite(target: Target, books_dir: Path, limit: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory(prefix="bench-evals-") as folder:
        llm = target.client()
        context = SuiteContext(books_dir=books_dir, llm=llm)
        started = time.perf_counter()
        result = await run_suite(
            SUITE, context, f"sqlite:///{folder}/mlflow.db", target="bench", limit=limit
        )
        seconds = time.perf_counter() - started
        await llm.close()
    return seconds, len(result.examples)


async def _timed_bare(target: Target, books_dir: Path, limit: int) -> tuple[float, int]:
    items = SUITE.load(books_dir, limit, 0)
    llm = target.client()
    started = time.perf_counter()
    await _bare(llm, list(items))
    seconds = time.perf_counter() - started
    await llm.close()
    return seconds, len(items)


def eval_rows(target: Target, books_dir: Path, limit: int, rounds: int = 2) -> list[dict[str, str]]:
    """Alternating rounds of the two paths (a neighbour's load falls on both); the best of each."""
    suite_times, bare_times, count = [], [], 0
    for _ in range(rounds):
        bare, count = asyncio.run(_timed_bare(target, books_dir, limit))
        bare_times.append(bare)
        suite, _ = asyncio.run(_timed_suite(target, books_dir, limit))
        suite_times.append(suite)
    bare, suite = min(bare_times), min(suite_times)
    return [
        {
            "path": name,
            "questions": str(count),
            "seconds": f"{seconds:.1f}",
            "questions/s": f"{count / seconds:.2f}",
            "x bare speed": f"{bare / seconds:.3f}",
        }
        for name, seconds in (("bare endpoint calls", bare), ("wc eval run model", suite))
    ]
