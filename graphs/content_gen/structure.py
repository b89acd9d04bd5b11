"""Structure-first objectives and items, and the evidence check every item passes through.

A topic given no objectives takes the learning objectives the book states nearest to it, then
"Define <term>." for its nearest defined terms, before the writer is asked for any.

For an objective, the course's glossary definitions nearest to it are tried in turn: the first
that makes an item (``agents.content.structured``) the evidence also singles out becomes the
objective's item. The LLM then rewords its stem; the rewording is kept only when it does not state
the answer and the item is still answerable from its passage with the evidence check passing.
A multiple-choice objective first looks for one of the book's own review questions close to it
(reused word for word, attributed to its lesson, never reworded) whose key the evidence confirms.
Objectives with no usable question or definition, and numeric items, are left to the LLM's draft.
"""

import dataclasses
import uuid

from agents.content import checks, item_writer
from agents.content.brief import Brief
from agents.content.schemas import (
    OBJECTIVES_PROPOSED,
    ItemKind,
    MultipleChoiceItem,
    NumericItem,
    Objective,
)
from agents.content.settings import ContentSettings
from agents.content.structured import (
    Definition,
    StructuredItem,
    cloze_item,
    definition_item,
    keeps_the_question,
    review_item,
)
from agents.content.structured_calls import StructuredCalls
from agents.content.writer import bloom_level_of
from core.words import content_words
from graphs.content_gen.ports import ContentDeps, ContentPorts
from serving.client import StructuredOutputError

QuizItemModel = item_writer.QuizItemModel
OBJECTIVE_CHARS = 240  # ``agents.content.schemas.Objective``


async def objectives_from_structure(
    ports: ContentPorts, settings: ContentSettings, course_id: uuid.UUID, topic: str
) -> list[Objective]:
    """Up to ``OBJECTIVES_PROPOSED`` objectives from the material: the book's stated ones at
    least ``objective_similarity`` close to the topic, then the definition of its nearest
    defined terms as close, each term once; none when the material has neither."""
    floor, texts = settings.objective_similarity, []
    for text, similarity in await ports.book_objectives(course_id, topic, OBJECTIVES_PROPOSED):
        if similarity >= floor and len(text) <= OBJECTIVE_CHARS:
            texts.append(text)
    if len(texts) < OBJECTIVES_PROPOSED:
        for definition in await ports.definitions(course_id, topic, settings.definitions):
            named = content_words(definition.term)
            if definition.similarity < floor or len(texts) == OBJECTIVES_PROPOSED:
                break  # nearest first: the rest are further still
            if named and not any(named <= content_words(text) for text in texts):
                texts.append(f"Define {definition.term}.")
    return [Objective(text=text, bloom_level=bloom_level_of(text)) for text in texts]


async def evidence_verdict(
    deps: ContentDeps, item: QuizItemModel, course_id: uuid.UUID
) -> checks.Verdict | None:
    """The evidence check of one item: a multiple-choice key singled out by the course's
    passages, a short answer's model answer stated by them; None for numeric items, whose answers
    are computed, not stated."""
    if isinstance(item, NumericItem):
        return None
    if isinstance(item, MultipleChoiceItem):
        options = [option.text for option in item.options]
        return checks.evidence_key(await deps.ports.rank(item.stem, options, course_id), item.key)
    claims = await deps.ports.check_claims(item.stem, [item.model_answer], course_id)
    return checks.evidence_answer(claims, item.model_answer)


async def _passes(deps: ContentDeps, built: StructuredItem, course_id: uuid.UUID) -> bool:
    answer = item_writer.answer_text(built.item)
    if not checks.answerable_from(built.passage, built.item.stem, answer).passed:
        return False
    verdict = await evidence_verdict(deps, built.item, course_id)
    return verdict is not None and verdict.passed


async def _built(
    deps: ContentDeps, key: Definition, kind: ItemKind, brief: Brief, course_id: uuid.UUID
) -> StructuredItem | None:
    if kind == "multiple_choice":
        nearby = await deps.ports.definitions(
            course_id, key.passage, deps.settings.distractor_candidates
        )
        return definition_item(key, nearby, deps.settings.synonym_similarity)
    return cloze_item(key, [(source.title, source.text) for source in brief.sources])


async def draft_from_structure(
    deps: ContentDeps,
    brief: Brief,
    course_id: uuid.UUID,
    objective: Objective,
    kind: ItemKind,
    used_terms: set[str],
) -> StructuredItem | None:
    """The objective's item from the material: for a multiple-choice item, the book's own review
    question nearest to the objective whose key the evidence confirms; else the nearest
    definition not used yet whose item the evidence confirms; None when neither makes one (the
    LLM drafts instead)."""
    if kind == "numeric":
        return None
    query = f"{brief.topic} {objective.text}"
    reused = None
    if kind == "multiple_choice":
        reused = await _review_question(deps, course_id, query, used_terms)
    if reused is not None:
        return reused
    for key in await deps.ports.definitions(course_id, query, deps.settings.definitions):
        if key.term.lower() in used_terms:
            continue
        built = await _built(deps, key, kind, brief, course_id)
        if built is not None and await _passes(deps, built, course_id):
            return built
    return None


async def _review_question(
    deps: ContentDeps, course_id: uuid.UUID, query: str, used_terms: set[str]
) -> StructuredItem | None:
    """The nearest review question close enough to the objective whose key the course's
    passages single out, cited by the passage that states it."""
    settings = deps.settings
    if not settings.review_questions:
        return None
    for question in await deps.ports.review_questions(course_id, query, settings.review_questions):
        if question.similarity < settings.review_similarity:
            break  # nearest first: the rest are further still
        built = review_item(question, passage="")
        if built is None or built.term.lower() in used_terms:
            continue
        verdict = await evidence_verdict(deps, built.item, course_id)
        if verdict is None or not verdict.passed or verdict.passage is None:
            continue
        cited = dataclasses.replace(built, passage=verdict.passage)
        answer = item_writer.answer_text(cited.item)
        if checks.answerable_from(cited.passage, cited.item.stem, answer).passed:
            return cited
    return None


async def reworded(
    deps: ContentDeps,
    calls: StructuredCalls,
    brief: Brief,
    built: StructuredItem,
    course_id: uuid.UUID,
) -> StructuredItem | None:
    """The item with the LLM's wording of its stem, when that wording keeps every evidence check
    passing and does not give the answer away; None otherwise (the built stem stands)."""
    try:
        stem = await item_writer.reword_stem(calls, brief, built.item.stem, built.term)
    except StructuredOutputError:
        return None
    if not keeps_the_question(built.item.stem, stem, built.term):
        return None
    candidate = dataclasses.replace(built, item=built.item.model_copy(update={"stem": stem}))
    return candidate if await _passes(deps, candidate, course_id) else None
