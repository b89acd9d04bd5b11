"""Grading throughput: short answers graded per minute by the grading graph with the bundled model.

    .venv/bin/python bench/grading.py --llm-base-url http://127.0.0.1:8001/v1

``bench/learning.py`` calls ``grading_throughput(...)`` and prints its row with the other
learning-loop figures. The answers are real: free-response exercises of the OpenStax statistics
book with worked solutions, each answered either with its own solution or with the solution of
another exercise (half each), graded by the same graph the saga runs (similarity evidence with
the bundled MiniLM + one structured LLM call per answer), ``concurrency`` answers at a time as
the saga's consumers would. The MiniLM model is loaded before the clock starts. Then the same
LLM requests go through the bare ``openai`` client at the same concurrency: the ratio is what
the graph (evidence, validation, retries) costs on top of the model.
"""

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openai import AsyncOpenAI

from agents.content.budget import token_budget
from agents.grader.rubric import grade_messages
from agents.grader.schemas import GradingInput, judgement_schema
from agents.grader.settings import GradingSettings
from core.curriculum.models import ItemKind
from core.openstax.parser import parse_collection_dir
from graphs.grading.graph import GradingDeps, build_graph, grade_answer
from platform_api.assessments.item_spec import spec_from_snapshot
from platform_api.grading.items import grading_input
from rag.embeddings import Embedder
from serving.client import LLMClient

ROOT = Path(__file__).resolve().parents[1]
BOOKS_DIR = Path(os.environ.get("WC_OPENSTAX_DIR") or ROOT.parent / "shared" / "data" / "openstax")
STATISTICS = "introductory-statistics-bundle"
COLLECTION = Path("collections/introductory-statistics-2e.collection.xml")


@dataclass(frozen=True)
class GradingThroughput:
    answers: int
    concurrency: int
    seconds: float
    p50_seconds: float  # per answer, queueing for a slot excluded
    p95_seconds: float

    @property
    def answers_per_minute(self) -> float:
        return 60.0 * self.answers / self.seconds

    def row(self) -> str:
        return (
            f"grading throughput (short answers, bundled model): "
            f"{self.answers_per_minute:.1f} answers/min "
            f"({self.answers} answers in {self.seconds:.1f} s, {self.concurrency} at a time; "
            f"per answer p50 {self.p50_seconds:.2f} s, p95 {self.p95_seconds:.2f} s)"
        )


def statistics_answers(count: int, books_dir: Path = BOOKS_DIR) -> list[GradingInput]:
    """``count`` graded answers from the statistics book: own solution or another's, alternating."""
    (collection,) = parse_collection_dir(books_dir / STATISTICS, COLLECTION)
    exercises = [
        exercise
        for chapter in collection.chapters
        for module in chapter.modules
        for exercise in module.exercises
        if exercise.kind is ItemKind.FREE_RESPONSE and 40 <= len(exercise.solution) <= 500
    ]
    step = max(1, len(exercises) // count)
    chosen = exercises[::step][:count]
    answers = []
    for index, exercise in enumerate(chosen):
        item = spec_from_snapshot(
            {"kind": exercise.kind.value, "prompt": exercise.prompt, "solution": exercise.solution}
        )
        answer = exercise.solution if index % 2 == 0 else chosen[(index + 7) % len(chosen)].solution
        answers.append(grading_input(item, answer, 1.0))
    return answers


async def _timed(
    inputs: list[GradingInput], concurrency: int, work: Callable[[GradingInput], Awaitable[object]]
) -> GradingThroughput:
    """Run ``work`` on every input, ``concurrency`` at a time; the throughput and latencies."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def one(grading: GradingInput) -> None:
        async with gate:
            started = time.perf_counter()
            await work(grading)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(one(grading) for grading in inputs))
    seconds = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=20) if len(latencies) > 1 else latencies * 19
    return GradingThroughput(len(inputs), concurrency, seconds, cuts[9], cuts[18])


def _bare_request(grading: GradingInput, settings: GradingSettings) -> dict[str, Any]:
    """The grader's one LLM request, as the bare ``openai`` client sends it."""
    schema = judgement_schema(len(grading.rubric))
    return {
        "messages": grade_messages(grading, settings),
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema()},
        },
        "max_tokens": token_budget(schema),
        "temperature": settings.temperature,
        "extra_body": {"repetition_penalty": settings.repetition_penalty},
    }


async def grading_throughput(
    llm_base_url: str,
    llm_model: str = "smollm2-135m-instruct",
    *,
    answers: int = 40,
    concurrency: int = 8,
    books_dir: Path = BOOKS_DIR,
) -> GradingThroughput:
    """Grade ``answers`` short answers through the grading graph, then send the same LLM requests
    with the bare ``openai`` client (no evidence, no validation, no retries); print both rows and
    their ratio, return the graph's."""
    inputs = statistics_answers(answers, books_dir)
    settings = GradingSettings()
    embedder = Embedder()
    await embedder.warm_up()
    llm = LLMClient(llm_base_url, llm_model)
    bare = AsyncOpenAI(base_url=llm_base_url, api_key="unused", max_retries=0)
    graph = build_graph(GradingDeps(llm, embedder, settings))

    async def bare_call(grading: GradingInput) -> object:
        return await bare.chat.completions.create(
            model=llm_model, **_bare_request(grading, settings)
        )

    try:
        await bare_call(inputs[0])  # a cold engine would charge its warm-up to the first run
        result = await _timed(inputs, concurrency, lambda grading: grade_answer(graph, grading))
        baseline = await _timed(inputs, concurrency, bare_call)
    finally:
        await llm.close()
        await bare.close()
    print(result.row())
    print(f"bare openai client, same requests: {baseline.answers_per_minute:.1f} answers/min")
    print(f"graph / bare: {result.answers_per_minute / baseline.answers_per_minute:.2f}x")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--llm-base-url", required=True)
    parser.add_argument("--llm-model", default="smollm2-135m-instruct")
    parser.add_argument("--answers", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(
        grading_throughput(
            args.llm_base_url, args.llm_model, answers=args.answers, concurrency=args.concurrency
        )
    )


if __name__ == "__main__":
    main()
