"""Runs the content graph on each topic with the model under evaluation and scores what it wrote:

- ``schema_valid``: the share of the model's structured outputs (every attempt, retries included)
  that parsed and validated against their schema;
- ``first_pass_checks``: the share of the graph's check verdicts that passed on the first pass,
  before any item was rewritten (0 for a topic that never reached the checks);
- ``grounded``: the lesson's grounding check (a lesson composed from the sources quotes them or
  rewords them with the evidence's support; a drafted one's paragraphs are weighed against
  them, at most half replaced); ``answerable``: the items' answerable check (retrieval
  finds evidence close to the item and the critic finds its key supported by it);
- ``structured``: the share of items built from the course's structure (glossary definitions,
  sentences) rather than drafted by the LLM; ``evidence``: the share of items whose evidence check
  passed (the key singled out by the course's passages and stated by the cited one; numeric
  items have no such check and do not count). Run the suite with
  ``WC_CONTENT_STRUCTURE_FIRST=false`` and ``WC_CONTENT_LESSONS_FROM_SOURCES=false`` for the
  LLM-first figures and ``wc eval compare`` the runs.
- ``done``: the topic ended with every check passed, rewrites included.
"""

import asyncio
from collections.abc import Sequence
from typing import Any, cast

from agents.content.checks import Check
from agents.content.prompts import PROMPT_VERSION
from agents.content.settings import ContentSettings
from evals.suite import Example, SuiteContext
from evals.suites.generation.dataset import READING_GRADE, GenerationTopic
from graphs.content_gen.database_ports import DatabaseContentPorts
from graphs.content_gen.graph import build_content_graph
from graphs.content_gen.ports import ContentDeps
from graphs.content_gen.state import TopicRequest, TopicResult, TopicState, TopicStatus
from serving.client import LLMClient, Message, Structured

# Topics generated at once: each is a chain of calls, and the LLM batches the chains.
CONCURRENCY = 4
LESSON_CHARS = 2000


class CountingClient(LLMClient):
    """The model under evaluation, counting its structured outputs: every raw answer, and the
    ones that validated. It has no connection of its own: requests go through ``llm``; the
    content graph asks for structured output only."""

    def __init__(self, llm: LLMClient) -> None:
        self.model = llm.model
        self._llm = llm
        self.outputs = 0
        self.valid = 0

    async def chat(self, messages: list[Message], **options: Any) -> str:
        raw = await self._llm.chat(messages, **options)
        if "response_format" in options:
            self.outputs += 1
        return raw

    async def structured(
        self, messages: list[Message], schema: type[Structured], attempts: int = 3, **options: Any
    ) -> Structured:
        # The inherited loop asks ``self.chat`` once per attempt and returns the first valid one.
        result = await super().structured(messages, schema, attempts, **options)
        self.valid += 1
        return result


def _share(passed: Sequence[bool]) -> float:
    return sum(passed) / len(passed) if passed else 0.0


def scores_of(result: TopicResult, outputs: int, valid: int) -> dict[str, float]:
    """A topic's scores; ``schema_valid`` is absent when the model was never asked (the topic
    found no source material)."""
    lesson = {verdict.check: verdict.passed for verdict in result.lesson_verdicts}
    answerable = [
        any(v.check is Check.ANSWERABLE and v.passed for v in item.verdicts)
        for item in result.items
    ]
    written = [item for item in result.items if item.item is not None]
    evidence = [v.passed for item in written for v in item.verdicts if v.check is Check.EVIDENCE]
    scores = {
        "first_pass_checks": (
            result.first_pass_passed / result.first_pass_checks if result.first_pass_checks else 0.0
        ),
        "grounded": float(lesson.get(Check.GROUNDED, False)),
        "answerable": _share(answerable),
        "done": float(result.status is TopicStatus.DONE),
    }
    if written:
        scores["structured"] = _share([item.origin != "llm" for item in written])
    if evidence:
        scores["evidence"] = _share(evidence)
    if outputs:
        scores["schema_valid"] = valid / outputs
    return scores


def record_of(
    topic: GenerationTopic, result: TopicResult, outputs: int, valid: int
) -> dict[str, Any]:
    """What a reader of the examples table needs to see why a topic scored as it did."""
    return {
        "book": topic.book,
        "topic": topic.topic,
        "objective": topic.objective,
        "kind": topic.kind,
        "status": result.status.value,
        "prompt_version": PROMPT_VERSION,
        "sources": [source["title"] for source in result.sources],
        "first_pass": f"{result.first_pass_passed}/{result.first_pass_checks}",
        "structured_outputs": outputs,
        "valid_outputs": valid,
        "llm_calls": result.llm_calls,
        "llm_seconds": round(result.llm_seconds, 2),
        "failures": [f"{failure.step}: {failure.error}" for failure in result.failures],
        "lesson_verdicts": {v.check.value: v.reason for v in result.lesson_verdicts},
        "item_verdicts": [
            {v.check.value: f"{'pass' if v.passed else 'fail'}: {v.reason}" for v in item.verdicts}
            for item in result.items
        ],
        "items": [item.item.model_dump(mode="json") for item in result.items if item.item],
        "origins": [item.origin for item in result.items if item.item],
        "lesson": result.lesson_markdown[:LESSON_CHARS],
    }


async def generate(
    context: SuiteContext, ports: DatabaseContentPorts, llm: LLMClient, topic: GenerationTopic
) -> Example:
    counting = CountingClient(llm)
    # The platform's generation settings (``WC_CONTENT_*``), as a content job would run.
    graph = build_content_graph(ContentDeps(ports, counting, ContentSettings()))
    request = TopicRequest(
        course_id=await context.course_id(topic.book),
        course_title=topic.course_title,
        topic=topic.topic,
        objectives=[topic.objective],
        reading_grade=READING_GRADE,
        item_kinds=[topic.kind],
    )
    state = await graph.ainvoke({"request": request.model_dump(mode="json")})
    result = TopicResult.of(cast(TopicState, state))
    return Example(
        topic.key,
        scores_of(result, counting.outputs, counting.valid),
        record_of(topic, result, counting.outputs, counting.valid),
    )


async def score(context: SuiteContext, topics: Sequence[Any]) -> list[Example]:
    llm = context.require_llm("generation")
    ports = DatabaseContentPorts(
        context.require_database("generation"), context.shared_embedder(), context.rag_settings
    )
    gate = asyncio.Semaphore(CONCURRENCY)
    done = 0

    async def one(topic: GenerationTopic) -> Example:
        nonlocal done
        async with gate:
            example = await generate(context, ports, llm, topic)
        done += 1
        context.progress(done, len(topics))
        return example

    return list(await asyncio.gather(*(one(topic) for topic in topics)))
