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
from agents.content.schemas import LessonDraft, LessonSection, Paragraph
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
) -> tuple[LessonDraft, list[ParagraphGrounding]]:
    """The lesson with every claim-bearing paragraph cited by its supporting source (or
    replaced), and what was found for each."""
    sections: list[LessonSection] = []
    found: list[ParagraphGrounding] = []
    for s, section in enumerate(lesson.sections):
        paragraphs: list[Paragraph] = []
        for p, paragraph in enumerate(section.paragraphs):
            if not claim_bearing(paragraph.text):
                paragraphs.append(paragraph)
                continue
            claims = claims_of(paragraph.text) or [paragraph.text]
            question = f"{topic}: {section.heading}"
            attributions = await ports.attribute(question, claims, sources, course_id)
            resting, support = resting_source(attributions)
            if resting < 0:
                result, cited = Outcome.UNWEIGHED, paragraph.source
            else:
                cited = resting + 1
                result = outcome(paragraph.source, cited, support >= settings.lesson_support)
            text = paragraph.text
            if result is Outcome.REPLACED:
                text = await _nearest(ports, paragraph.text, sources[resting])
            paragraphs.append(Paragraph(text=text, source=cited))
            found.append(
                ParagraphGrounding(
                    section=s, paragraph=p, source=cited, support=support, outcome=result
                )
            )
        sections.append(LessonSection(heading=section.heading, paragraphs=paragraphs))
    return LessonDraft(sections=sections), found


async def _nearest(ports: ContentPorts, written: str, source: str) -> str:
    sentences = source_sentences(source) or [source]
    vectors = await ports.embed([written, *sentences])
    closeness: np.ndarray = vectors[1:] @ vectors[0]
    return nearest_sentences(sentences, closeness)
