"""A lesson composed from the topic's sources (``agents.content.composition``), then reworded
by the writer paragraph by paragraph, each rewording kept only when it fits
(``fits_as_rewording``: prose, the paragraph's terms kept, no harder to read, not the source
again) and the evidence scorer finds that its source supports every sentence of it."""

import uuid
from collections.abc import Sequence

from agents.content import writer
from agents.content.brief import Brief
from agents.content.composition import compose, fits_as_rewording, statements
from agents.content.grounding import Outcome, ParagraphGrounding, resting_source
from agents.content.schemas import LessonDraft, Paragraph
from agents.content.settings import ContentSettings
from agents.content.structured_calls import StructuredCalls
from graphs.content_gen.ports import ContentPorts
from rag.evidence import claims_of
from serving.client import StructuredOutputError


async def compose_lesson(
    ports: ContentPorts,
    settings: ContentSettings,
    objectives: Sequence[str],
    sources: Sequence[str],
    max_grade: float | None,
) -> tuple[LessonDraft, list[ParagraphGrounding]] | None:
    """The lesson in its sources' words, every paragraph quoted; None when the sources state
    nothing a lesson can use (the writer drafts one instead)."""
    found = [statements(text) for text in sources]
    every = [sentence for own in found for sentence in own]
    if not every or not objectives:
        return None
    vectors = await ports.embed([*objectives, *every])
    closeness = vectors[: len(objectives)] @ vectors[len(objectives) :].T
    lesson = compose(objectives, found, closeness, max_grade, settings.min_source_relevance)
    if lesson is None:
        return None
    quoted = [
        ParagraphGrounding(
            section=s, paragraph=p, source=paragraph.source, support=1.0, outcome=Outcome.QUOTED
        )
        for s, section in enumerate(lesson.sections)
        for p, paragraph in enumerate(section.paragraphs)
    ]
    return lesson, quoted


async def reword_lesson(
    ports: ContentPorts,
    calls: StructuredCalls,
    settings: ContentSettings,
    brief: Brief,
    sources: Sequence[str],
    course_id: uuid.UUID,
    composed: tuple[LessonDraft, Sequence[ParagraphGrounding]],
) -> tuple[LessonDraft, list[ParagraphGrounding]]:
    """The composed lesson with each quoted paragraph in the writer's words where the rewording
    passes; every rewording is weighed in one call against the topic's (whole) sources."""
    lesson, found = composed
    candidates: list[tuple[ParagraphGrounding, str]] = []
    for grounding in found:
        quoted = lesson.sections[grounding.section].paragraphs[grounding.paragraph].text
        rewording = await _reworded(calls, brief, quoted)
        if rewording is not None and fits_as_rewording(rewording, quoted):
            candidates.append((grounding, rewording))
    claims = [claims_of(text) or [text] for _, text in candidates]
    flat = [claim for own in claims for claim in own]
    attributions = await ports.attribute(brief.topic, flat, sources, course_id) if flat else []
    sections = [section.model_copy(deep=True) for section in lesson.sections]
    result = {(g.section, g.paragraph): g for g in found}
    first = 0
    for (grounding, text), own in zip(candidates, claims, strict=True):
        weighed = attributions[first : first + len(own)]
        first += len(own)
        resting, support = resting_source(weighed)
        weakest = min(claim.probability for claim in weighed)
        if resting + 1 != grounding.source or weakest < settings.lesson_support:
            continue
        place = (grounding.section, grounding.paragraph)
        sections[place[0]].paragraphs[place[1]] = Paragraph(text=text, source=grounding.source)
        result[place] = grounding.model_copy(
            update={"support": support, "outcome": Outcome.REWORDED}
        )
    return LessonDraft(sections=sections), list(result.values())


async def _reworded(calls: StructuredCalls, brief: Brief, paragraph: str) -> str | None:
    try:
        return await writer.reword_paragraph(calls, brief, paragraph)
    except StructuredOutputError:
        return None
