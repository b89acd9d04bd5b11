"""Content generation for one topic, every node in this file.

    retrieve_sources → plan_objectives → the lesson, one of
          composed: compose_lesson → reword_lesson
          drafted:  write_outline → write_lesson → ground_lesson
            (lessons_from_sources off, or compose_lesson found nothing usable)
      → write_items → write_hints → critique → check_answerable → check_distractors
      → check_evidence → check_duplicates → check_banned_content → check_reading_level
      → check_grounding → check_coverage → plan_rewrites ─┬─ items failing a check, tries left
                                                          │    → write_items
                                                          └─ END

A lesson step whose structured output never validates ends the run as failed; an item step that
fails leaves that item empty. Either way the failure and its raw outputs are kept in the state.
The lesson is composed from the sources' own sentences, a section per objective
(``composition.py``), and the writer rewords each paragraph, kept only where the evidence still
supports it; when the sources state nothing usable (or ``lessons_from_sources`` is off) the
writer drafts it from an outline, and its paragraphs are weighed against the sources by the
evidence scorer (``grounding.py``): each cites the source that supports it, or is replaced by that
source's nearest sentences. Items are written one per objective, so an item's index is its
objective's index. An item is built from the course's structure when it can be
(``structure.py``: one of the book's review questions, reused as it stands, or a glossary
definition or a sentence, the LLM rewording its stem); the LLM drafts it otherwise, and the critic
reads only the LLM's drafts: a structured item's answer is stated by the passage it was built
from.
"""

import itertools
import textwrap
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import numpy as np
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from agents.content import checks, critic, item_writer, writer
from agents.content.brief import Brief, SourcePassage
from agents.content.grounding import ParagraphGrounding
from agents.content.hints import HintContext, hint_ladder
from agents.content.schemas import (
    CriticVerdict,
    LessonDraft,
    MultipleChoiceItem,
    NumericItem,
    Objective,
    Outline,
)
from agents.content.structured_calls import StructuredCalls
from core.tracing import span
from graphs.content_gen import composition, grounding
from graphs.content_gen.ports import ContentDeps
from graphs.content_gen.state import Failure, GeneratedItem, TopicRequest, TopicState
from graphs.content_gen.structure import (
    draft_from_structure,
    evidence_verdict,
    objectives_from_structure,
    reworded,
)
from serving.client import StructuredOutputError

Update = dict[str, Any]
EVIDENCE_PASSAGES = 3
# The check nodes, in the order they run; each stores its verdicts.
CHECKS = (
    "check_answerable",
    "check_distractors",
    "check_evidence",
    "check_duplicates",
    "check_banned_content",
    "check_hints",
    "check_reading_level",
    "check_grounding",
    "check_coverage",
)


def _failure(step: str, error: Exception) -> Update:
    raw = error.raw_outputs if isinstance(error, StructuredOutputError) else []
    return Failure(step=step, error=str(error), raw_outputs=raw).model_dump()


def _request(state: TopicState) -> TopicRequest:
    return TopicRequest.model_validate(state["request"])


def _brief(state: TopicState) -> Brief:
    request = _request(state)
    sources = tuple(
        SourcePassage(number=n, title=s["title"], text=s["text"])
        for n, s in enumerate(state.get("sources", []), start=1)
    )
    return Brief(request.course_title, request.reading_grade, request.topic, sources)


def _whole_sources(state: TopicState) -> list[str]:
    """The sources as retrieved, before they were cut to fit a prompt."""
    return [source.get("passage", source["text"]) for source in state.get("sources", [])]


def _items(state: TopicState) -> list[GeneratedItem]:
    return [GeneratedItem.model_validate(item) for item in state.get("items", [])]


def _objectives(state: TopicState) -> list[Objective]:
    return [Objective.model_validate(o) for o in state.get("objectives", [])]


def _rounds_items(state: TopicState) -> list[tuple[int, GeneratedItem]]:
    """The items written this round that exist (a failed write leaves none to check)."""
    items = _items(state)
    return [(i, items[i]) for i in state.get("redo", []) if items[i].item is not None]


def hint_context(entry: GeneratedItem, objective: str, topic: str) -> HintContext:
    """What an item's hints are built from: its passage and that passage's lesson when it was
    built from the material, else the topic's own lesson."""
    assert entry.item is not None
    return HintContext(
        stem=entry.item.stem,
        answer=item_writer.answer_text(entry.item),
        objective=objective,
        passage=entry.passage,
        lesson_title=entry.lesson_title or topic,
        numeric=isinstance(entry.item, NumericItem),
        multiple_choice=isinstance(entry.item, MultipleChoiceItem),
    )


def _verdicts(found: dict[int, checks.Verdict]) -> Update:
    return {
        "item_verdicts": {
            str(i): {verdict.check.value: verdict.model_dump(mode="json")}
            for i, verdict in found.items()
        }
    }


def _lesson_verdict(verdict: checks.Verdict) -> Update:
    return {"lesson_verdicts": {verdict.check.value: verdict.model_dump(mode="json")}}


def _failed_reasons(state: TopicState, index: int) -> str:
    verdicts = state.get("item_verdicts", {}).get(str(index), {}).values()
    return "; ".join(v["reason"] for v in verdicts if not v["passed"])


def calls_for(deps: ContentDeps) -> StructuredCalls:
    """A fresh account of LLM calls for one node."""
    settings = deps.settings
    return StructuredCalls(
        deps.llm, settings.structured_attempts, settings.temperature, settings.repetition_penalty
    )


class Node(Protocol):
    def __call__(self, state: TopicState) -> Awaitable[Update]: ...


def timed(name: str, node: Node) -> Node:
    """The node, its wall time added to ``node_seconds`` (what the bench splits the graph by),
    run in a span ``content_gen.<name>``."""

    async def run(state: TopicState) -> Update:
        started = time.perf_counter()
        with span(f"content_gen.{name}"):
            update = await node(state)
        return {**update, "node_seconds": {name: time.perf_counter() - started}}

    return run


def build_content_graph(deps: ContentDeps) -> CompiledStateGraph[Any]:
    settings = deps.settings

    async def with_llm(step: str, work: Callable[[StructuredCalls], Awaitable[Update]]) -> Update:
        calls = calls_for(deps)
        try:
            update = await work(calls)
        except StructuredOutputError as error:
            update = {"failed": True, "failures": [_failure(step, error)]}
        return {**update, "llm_seconds": calls.seconds, "llm_calls": calls.calls}

    async def retrieve_sources(state: TopicState) -> Update:
        request = _request(state)
        query = " ".join([request.topic, *request.objectives])
        passages = await deps.ports.sources(request.course_id, query, settings.sources)
        relevant = [p for p in passages if p.similarity >= settings.min_source_relevance]
        if not relevant and not request.allow_ungrounded:
            error = Failure(
                step="retrieve_sources",
                error="the course has no source material on this topic; add material or "
                "allow ungrounded generation",
            )
            return {"failed": True, "failures": [error.model_dump()]}
        # Cut long passages so every prompt, with its answer's budget, fits the model's context;
        # a lesson composed from the sources takes their sentences from the whole passage.
        return {
            "sources": [
                {
                    **p.model_dump(mode="json"),
                    "text": textwrap.shorten(p.text, settings.source_chars, placeholder=" …"),
                    "passage": p.text,
                }
                for p in relevant
            ]
        }

    async def plan_objectives(state: TopicState) -> Update:
        request = _request(state)
        if settings.structure_first and not request.objectives:
            found = await objectives_from_structure(
                deps.ports, settings, request.course_id, request.topic
            )
            if found:
                return {"objectives": [o.model_dump(mode="json") for o in found]}

        async def work(calls: StructuredCalls) -> Update:
            objectives = await writer.plan_objectives(calls, _brief(state), request.objectives)
            return {"objectives": [o.model_dump(mode="json") for o in objectives]}

        return await with_llm("plan_objectives", work)

    async def write_outline(state: TopicState) -> Update:
        async def work(calls: StructuredCalls) -> Update:
            outline = await writer.write_outline(calls, _brief(state), _objectives(state))
            return {"outline": outline.model_dump(mode="json")}

        return await with_llm("write_outline", work)

    async def write_lesson(state: TopicState) -> Update:
        async def work(calls: StructuredCalls) -> Update:
            brief, outline = _brief(state), Outline.model_validate(state["outline"])
            lesson = await writer.write_lesson(calls, brief, outline)
            markdown = writer.lesson_markdown(lesson, brief)
            return {"lesson": lesson.model_dump(mode="json"), "lesson_markdown": markdown}

        return await with_llm("write_lesson", work)

    def lesson_update(
        state: TopicState, lesson: LessonDraft, found: list[ParagraphGrounding]
    ) -> Update:
        """The lesson, its Markdown (the source's own words quoted) and what was found for it."""
        quoted = {(f.section, f.paragraph) for f in found if f.outcome.in_source_words}
        return {
            "lesson": lesson.model_dump(mode="json"),
            "lesson_markdown": writer.lesson_markdown(lesson, _brief(state), quoted),
            "lesson_grounding": [f.model_dump(mode="json") for f in found],
        }

    def max_grade(state: TopicState) -> float:
        return _request(state).reading_grade + settings.reading_grade_tolerance

    async def ground_lesson(state: TopicState) -> Update:
        sources = [source["text"] for source in state.get("sources", [])]
        if not settings.ground_lessons or not sources:
            return {}
        request, lesson = _request(state), LessonDraft.model_validate(state["lesson"])
        highest = max_grade(state)
        grounded, found = await grounding.ground_lesson(
            deps.ports, settings, request.course_id, request.topic, lesson, sources, highest
        )
        return lesson_update(state, grounded, found)

    async def compose_lesson(state: TopicState) -> Update:
        sources = _whole_sources(state)
        objectives = [objective.text for objective in _objectives(state)]
        composed = await composition.compose_lesson(
            deps.ports, settings, objectives, sources, max_grade(state)
        )
        return {} if composed is None else lesson_update(state, *composed)

    async def reword_lesson(state: TopicState) -> Update:
        if not settings.reword_lessons:
            return {}

        async def work(calls: StructuredCalls) -> Update:
            lesson = LessonDraft.model_validate(state["lesson"])
            found = [ParagraphGrounding.model_validate(f) for f in state["lesson_grounding"]]
            reworded_lesson, now = await composition.reword_lesson(
                deps.ports,
                calls,
                settings,
                _brief(state),
                _whole_sources(state),
                _request(state).course_id,
                (lesson, found),
            )
            return lesson_update(state, reworded_lesson, now)

        return await with_llm("reword_lesson", work)

    async def build_from_structure(
        calls: StructuredCalls,
        brief: Brief,
        request: TopicRequest,
        objective: Objective,
        entry: GeneratedItem,
        items: list[GeneratedItem],
    ) -> bool:
        """Give the entry an item built from the course's structure, if one can be made."""
        used = {term.lower() for item in items for term in item.terms}
        built = await draft_from_structure(
            deps, brief, request.course_id, objective, entry.kind, used
        )
        if built is None:
            return False
        better = None
        # The book's review questions keep the authors' wording.
        if settings.reword_stems and built.origin != "review":
            better = await reworded(deps, calls, brief, built, request.course_id)
        chosen = better or built
        entry.item, entry.passage, entry.origin = chosen.item, chosen.passage, chosen.origin
        entry.lesson_title = chosen.source_title
        entry.terms.append(built.term)
        return True

    async def write_items(state: TopicState) -> Update:
        request, brief, objectives = _request(state), _brief(state), _objectives(state)
        items = _items(state) or [
            GeneratedItem(objective=i, kind=request.item_kinds[i % len(request.item_kinds)])
            for i in range(len(objectives))
        ]
        redo = state.get("redo") or list(range(len(objectives)))
        calls = calls_for(deps)
        failures: list[Update] = []
        for index in redo:
            entry = items[index]
            entry.attempts += 1
            entry.hints = []
            if settings.structure_first and await build_from_structure(
                calls, brief, request, objectives[index], entry, items
            ):
                continue
            entry.origin, entry.passage, entry.lesson_title = "llm", None, None
            try:
                entry.item = await item_writer.write_item(
                    calls,
                    brief,
                    state["lesson_markdown"],
                    objectives[index],
                    entry.kind,
                    _failed_reasons(state, index),
                )
            except StructuredOutputError as error:
                entry.item = None
                failures.append(_failure(f"write_item {index}", error))
        return {
            "items": [item.model_dump(mode="json") for item in items],
            "redo": redo,
            "failures": failures,
            "llm_seconds": calls.seconds,
            "llm_calls": calls.calls,
        }

    async def write_hints(state: TopicState) -> Update:
        """The writer's hints, kept when usable, in a ladder completed from the material."""
        items, brief, objectives = _items(state), _brief(state), _objectives(state)
        calls = calls_for(deps)
        failures: list[Update] = []
        for index, entry in _rounds_items(state):
            assert entry.item is not None
            written: list[str] = []
            try:
                written = await item_writer.write_hints(calls, brief, entry.item)
            except StructuredOutputError as error:
                failures.append(_failure(f"write_hints {index}", error))
            context = hint_context(entry, objectives[entry.objective].text, brief.topic)
            items[index].hints = hint_ladder(written, context)
        return {
            "items": [item.model_dump(mode="json") for item in items],
            "failures": failures,
            "llm_seconds": calls.seconds,
            "llm_calls": calls.calls,
        }

    async def critique(state: TopicState) -> Update:
        """Retrieval finds the passages closest to each item; the critic reads the item
        against them."""
        # A structured item's answer is stated by its own passage: the critic reads the drafts.
        rounds_items = [(i, e) for i, e in _rounds_items(state) if e.origin == "llm"]
        if not rounds_items:
            return {}
        lesson = LessonDraft.model_validate(state["lesson"])
        passages = [p.text for s in lesson.sections for p in s.paragraphs]
        passages += [s["text"] for s in state.get("sources", [])]
        questions = [
            f"{e.item.stem} {item_writer.answer_text(e.item)}"
            for _, e in rounds_items
            if e.item is not None
        ]
        vectors = await deps.ports.embed([*questions, *passages])
        similarity = vectors[: len(questions)] @ vectors[len(questions) :].T
        calls = calls_for(deps)
        found: dict[str, Update] = {}
        failures: list[Update] = []
        for row, (index, entry) in enumerate(rounds_items):
            assert entry.item is not None
            closest = np.argsort(-similarity[row])[:EVIDENCE_PASSAGES]
            evidence = [passages[int(i)] for i in closest]
            verdict: CriticVerdict | None = None
            try:
                verdict = await critic.review_item(calls, entry.item, evidence)
            except StructuredOutputError as error:
                failures.append(_failure(f"critique {index}", error))
            found[str(index)] = {
                "verdict": verdict.model_dump() if verdict else None,
                "similarity": float(similarity[row].max(initial=0.0)),
            }
        return {
            "critiques": found,
            "failures": failures,
            "llm_seconds": calls.seconds,
            "llm_calls": calls.calls,
        }

    def critique_of(state: TopicState, index: int) -> tuple[CriticVerdict | None, float]:
        found = state.get("critiques", {}).get(str(index), {})
        verdict = found.get("verdict")
        return (
            CriticVerdict.model_validate(verdict) if verdict else None,
            float(found.get("similarity", 0.0)),
        )

    async def check_answerable(state: TopicState) -> Update:
        found = {}
        for index, entry in _rounds_items(state):
            assert entry.item is not None
            if entry.passage is not None:
                answer = item_writer.answer_text(entry.item)
                found[index] = checks.answerable_from(entry.passage, entry.item.stem, answer)
                continue
            verdict, similarity = critique_of(state, index)
            found[index] = checks.answerable(verdict, similarity, settings.min_source_relevance)
        return _verdicts(found)

    async def check_evidence(state: TopicState) -> Update:
        course_id = _request(state).course_id
        found = {}
        for index, entry in _rounds_items(state):
            assert entry.item is not None
            if verdict := await evidence_verdict(deps, entry.item, course_id):
                found[index] = verdict
        return _verdicts(found)

    async def check_distractors(state: TopicState) -> Update:
        found = {
            index: checks.distractors(entry.item, critique_of(state, index)[0])
            for index, entry in _rounds_items(state)
            if isinstance(entry.item, MultipleChoiceItem)
        }
        return _verdicts(found)

    async def check_duplicates(state: TopicState) -> Update:
        request, items = _request(state), _items(state)
        reused = [e.item.stem for e in items if e.origin == "review" and e.item]
        existing = await deps.ports.course_item_vectors(request.course_id, excluding=reused)
        stems = [e.item.stem if e.item else "" for e in items]
        own = await deps.ports.embed(stems)
        found = {}
        for index, _ in _rounds_items(state):
            others = np.delete(own, index, axis=0) if len(items) > 1 else own[:0]
            pool = np.vstack([existing, others]) if len(existing) else others
            closest = float((pool @ own[index]).max(initial=0.0))
            found[index] = checks.not_duplicate(closest, settings.duplicate_similarity)
        return _verdicts(found)

    async def check_banned_content(state: TopicState) -> Update:
        found = {}
        for index, entry in _rounds_items(state):
            assert entry.item is not None
            found[index] = checks.banned_content([entry.item.model_dump_json(), *entry.hints])
        lesson = checks.banned_content([state["lesson_markdown"]])
        return {**_verdicts(found), **_lesson_verdict(lesson)}

    async def check_hints(state: TopicState) -> Update:
        found = {}
        for index, entry in _rounds_items(state):
            assert entry.item is not None
            found[index] = checks.hints(entry.hints, item_writer.answer_text(entry.item))
        return _verdicts(found)

    async def check_reading_level(state: TopicState) -> Update:
        target = _request(state).reading_grade
        prose = writer.lesson_prose(LessonDraft.model_validate(state["lesson"]))
        verdict = checks.reading_level(prose, target, settings.reading_grade_tolerance)
        return _lesson_verdict(verdict)

    async def check_grounding(state: TopicState) -> Update:
        lesson = LessonDraft.model_validate(state["lesson"])
        sources = len(state.get("sources", []))
        found = state.get("lesson_grounding")
        weighed = None if found is None else [ParagraphGrounding.model_validate(f) for f in found]
        verdict = checks.grounded(
            lesson, sources, sources > 0, weighed, settings.lesson_max_replaced
        )
        return _lesson_verdict(verdict)

    async def check_coverage(state: TopicState) -> Update:
        covered = [e.objective for e in _items(state) if e.item is not None]
        return _lesson_verdict(checks.objective_coverage(len(_objectives(state)), covered))

    async def plan_rewrites(state: TopicState) -> Update:
        verdicts = state.get("item_verdicts", {})
        update: Update = {
            "redo": [
                index
                for index, entry in enumerate(_items(state))
                if entry.attempts <= settings.regenerations
                and (
                    entry.item is None
                    or not all(v["passed"] for v in verdicts.get(str(index), {}).values())
                )
            ]
        }
        if "first_pass" not in state:
            every = [*state.get("lesson_verdicts", {}).values()]
            every += [v for item in verdicts.values() for v in item.values()]
            update["first_pass"] = {
                "checks": len(every),
                "passed": sum(1 for v in every if v["passed"]),
            }
        return update

    def route_unless_failed(next_node: str) -> Callable[[TopicState], str]:
        def route(state: TopicState) -> str:
            return END if state.get("failed") else next_node

        return route

    def route_composed(state: TopicState) -> str:
        """A lesson composed from the sources goes to the writer's rewording; a topic whose
        sources state nothing usable has its lesson drafted by the writer instead."""
        return "reword_lesson" if state.get("lesson") else "write_outline"

    def route_rewrites(state: TopicState) -> str:
        return "write_items" if state.get("redo") else END

    graph = StateGraph(TopicState)
    graph.add_node("retrieve_sources", timed("retrieve_sources", retrieve_sources))
    graph.add_node("plan_objectives", timed("plan_objectives", plan_objectives))
    graph.add_node("compose_lesson", timed("compose_lesson", compose_lesson))
    graph.add_node("reword_lesson", timed("reword_lesson", reword_lesson))
    graph.add_node("write_outline", timed("write_outline", write_outline))
    graph.add_node("write_lesson", timed("write_lesson", write_lesson))
    graph.add_node("ground_lesson", timed("ground_lesson", ground_lesson))
    graph.add_node("write_items", timed("write_items", write_items))
    graph.add_node("write_hints", timed("write_hints", write_hints))
    graph.add_node("critique", timed("critique", critique))
    graph.add_node("check_answerable", timed("check_answerable", check_answerable))
    graph.add_node("check_distractors", timed("check_distractors", check_distractors))
    graph.add_node("check_evidence", timed("check_evidence", check_evidence))
    graph.add_node("check_duplicates", timed("check_duplicates", check_duplicates))
    graph.add_node("check_banned_content", timed("check_banned_content", check_banned_content))
    graph.add_node("check_hints", timed("check_hints", check_hints))
    graph.add_node("check_reading_level", timed("check_reading_level", check_reading_level))
    graph.add_node("check_grounding", timed("check_grounding", check_grounding))
    graph.add_node("check_coverage", timed("check_coverage", check_coverage))
    graph.add_node("plan_rewrites", timed("plan_rewrites", plan_rewrites))

    graph.add_edge(START, "retrieve_sources")
    graph.add_conditional_edges(
        "retrieve_sources", route_unless_failed("plan_objectives"), ["plan_objectives", END]
    )
    first_lesson_step = "compose_lesson" if settings.lessons_from_sources else "write_outline"
    graph.add_conditional_edges(
        "plan_objectives", route_unless_failed(first_lesson_step), [first_lesson_step, END]
    )
    graph.add_conditional_edges(
        "compose_lesson", route_composed, ["reword_lesson", "write_outline"]
    )
    graph.add_conditional_edges(
        "reword_lesson", route_unless_failed("write_items"), ["write_items", END]
    )
    drafted_lesson = ("write_outline", "write_lesson", "ground_lesson", "write_items")
    for step, next_step in itertools.pairwise(drafted_lesson):
        graph.add_conditional_edges(step, route_unless_failed(next_step), [next_step, END])
    item_steps = ("write_items", "write_hints", "critique", *CHECKS, "plan_rewrites")
    for step, next_step in itertools.pairwise(item_steps):
        graph.add_edge(step, next_step)
    graph.add_conditional_edges("plan_rewrites", route_rewrites, ["write_items", END])
    return graph.compile()
