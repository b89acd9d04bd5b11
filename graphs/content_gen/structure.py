"""Structure-first items, and the evidence check every item passes through.

For an objective, the course's glossary definitions nearest to it are tried in turn: the first
that makes an item (``agents.content.structured``) the evidence also singles out becomes the
objective's item. The LLM then rewords its stem; the rewording is kept only when it does not state
the answer and the item is still answerable from its passage with the evidence check passing.
Objectives with no usable definition, and numeric items, are left to the LLM's draft.
"""

import uuid

from agents.content import checks, item_writer
from agents.content.brief import Brief
from agents.content.schemas import ItemKind, MultipleChoiceItem, NumericItem, Objective
from agents.content.structured import (
    Definition,
    StructuredItem,
    cloze_item,
    definition_item,
    keeps_the_question,
)
from agents.content.structured_calls import StructuredCalls
from graphs.content_gen.ports import ContentDeps
from serving.client import StructuredOutputError

QuizItemModel = item_writer.QuizItemModel


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
    """The objective's item built from the nearest definition not used yet whose item the
    evidence confirms; None when no definition makes one (the LLM drafts instead)."""
    if kind == "numeric":
        return None
    query = f"{brief.topic} {objective.text}"
    for key in await deps.ports.definitions(course_id, query, deps.settings.definitions):
        if key.term.lower() in used_terms:
            continue
        built = await _built(deps, key, kind, brief, course_id)
        if built is not None and await _passes(deps, built, course_id):
            return built
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
    candidate = StructuredItem(
        built.item.model_copy(update={"stem": stem}), built.term, built.passage, built.source_title
    )
    return candidate if await _passes(deps, candidate, course_id) else None
