"""The lesson's grounding step: every claim-bearing paragraph weighed against the topic's sources
by the evidence scorer, cited by the one its claims rest on, replaced by that source's nearest
sentences when none supports it (``agents.content.grounding``)."""

import uuid

import numpy as np

from agents.content.grounding import (
    Outcome,
    ParagraphGrounding,
    claim_bearing,
    nearest_sentences,
    outcome,
    resting_source,
    source_sentences,
)
from agents.content.schemas import LessonDraft, Paragraph
from agents.content.settings import ContentSettings
from graphs.content_gen.ports import ContentPorts
from rag.evidence import claims_of


async def ground_lesson(
    ports: ContentPorts,
    settings: ContentSettings,
    course_id: uuid.UUID,
    topic: str,
    lesson: LessonDraft,
    sources: list[str],
    max_grade: float | None = None,
) -> tuple[LessonDraft, list[ParagraphGrounding]]:
    """The lesson with every claim-bearing paragraph cited by its supporting source (or
    replaced by its sentences a reader of ``max_grade`` can read), and what was found for each.
    Every claim of the lesson is weighed in one call: the sources are encoded once."""
    weighed = [
        (s, p, claims_of(paragraph.text) or [paragraph.text])
        for s, section in enumerate(lesson.sections)
        for p, paragraph in enumerate(section.paragraphs)
        if claim_bearing(paragraph.text)
    ]
    claims = [claim for _, _, own in weighed for claim in own]
    attributions = await ports.attribute(topic, claims, sources, course_id) if claims else []
    sections = [section.model_copy(deep=True) for section in lesson.sections]
    found: list[ParagraphGrounding] = []
    first = 0
    for s, p, own in weighed:
        paragraph = sections[s].paragraphs[p]
        resting, support = resting_source(attributions[first : first + len(own)])
        first += len(own)
        if resting < 0:
            result, cited = Outcome.UNWEIGHED, paragraph.source
        else:
            cited = resting + 1
            result = outcome(paragraph.source, cited, support >= settings.lesson_support)
        text = paragraph.text
        if result is Outcome.REPLACED:
            text = await _nearest(ports, paragraph.text, sources[resting], max_grade)
        sections[s].paragraphs[p] = Paragraph(text=text, source=cited)
        found.append(
            ParagraphGrounding(
                section=s, paragraph=p, source=cited, support=support, outcome=result
            )
        )
    return LessonDraft(sections=sections), found


async def _nearest(ports: ContentPorts, written: str, source: str, max_grade: float | None) -> str:
    sentences = source_sentences(source) or [source]
    vectors = await ports.embed([written, *sentences])
    closeness: np.ndarray = vectors[1:] @ vectors[0]
    return nearest_sentences(sentences, closeness, max_grade)
