"""The writer: learning objectives (with Bloom levels), an outline, then the lesson itself."""

import re
from collections.abc import Collection

from agents.content import prompts
from agents.content.brief import Brief
from agents.content.schemas import (
    OBJECTIVES_PROPOSED,
    BloomLevel,
    LessonDraft,
    Objective,
    ObjectivePlan,
    Outline,
    Rewording,
)
from agents.content.structured_calls import StructuredCalls

# The usual verbs of each level of Bloom's revised taxonomy, for objectives given by a person.
BLOOM_VERBS: dict[BloomLevel, frozenset[str]] = {
    BloomLevel.REMEMBER: frozenset({"define", "list", "name", "recall", "identify", "state"}),
    BloomLevel.UNDERSTAND: frozenset(
        {"explain", "describe", "summarize", "interpret", "classify", "discuss", "understand"}
    ),
    BloomLevel.APPLY: frozenset({"apply", "calculate", "compute", "solve", "use", "find"}),
    BloomLevel.ANALYZE: frozenset({"analyze", "compare", "contrast", "distinguish", "examine"}),
    BloomLevel.EVALUATE: frozenset({"evaluate", "judge", "justify", "assess", "critique"}),
    BloomLevel.CREATE: frozenset({"create", "design", "construct", "develop", "write", "plan"}),
}
_FIRST_WORD = re.compile(r"[A-Za-z]+")


def bloom_level_of(objective: str) -> BloomLevel:
    """The level of an objective's leading verb; 'understand' when the verb is not known."""
    match = _FIRST_WORD.search(objective)
    verb = match.group(0).lower() if match else ""
    for level, verbs in BLOOM_VERBS.items():
        if verb in verbs:
            return level
    return BloomLevel.UNDERSTAND


def _system(brief: Brief) -> str:
    return prompts.WRITER_SYSTEM.format(course=brief.course_title, grade=brief.grade)


async def plan_objectives(
    calls: StructuredCalls, brief: Brief, given: list[str]
) -> list[Objective]:
    """Objectives a person gave are tagged by their verb; otherwise the writer proposes them."""
    if given:
        return [Objective(text=text, bloom_level=bloom_level_of(text)) for text in given]
    user = prompts.OBJECTIVES.format(
        topic=brief.topic, given="", sources=brief.sources_block(), count=OBJECTIVES_PROPOSED
    )
    plan = await calls.ask(_system(brief), user, ObjectivePlan)
    return plan.objectives


async def write_outline(
    calls: StructuredCalls, brief: Brief, objectives: list[Objective]
) -> Outline:
    listed = "\n".join(f"- {o.text}" for o in objectives)
    user = prompts.OUTLINE.format(
        topic=brief.topic, objectives=listed, sources=brief.sources_block()
    )
    return await calls.ask(_system(brief), user, Outline)


async def write_lesson(calls: StructuredCalls, brief: Brief, outline: Outline) -> LessonDraft:
    sections = "\n".join(
        f"- {section.heading}: " + "; ".join(section.points) for section in outline.sections
    )
    user = prompts.LESSON.format(topic=brief.topic, outline=sections, sources=brief.sources_block())
    return await calls.ask(_system(brief), user, LessonDraft)


async def reword_paragraph(calls: StructuredCalls, brief: Brief, paragraph: str) -> str:
    """A paragraph of a lesson composed from the sources, in the writer's words."""
    user = prompts.REWORD_PARAGRAPH.format(paragraph=paragraph)
    return (await calls.ask(_system(brief), user, Rewording)).text


def lesson_prose(lesson: LessonDraft) -> str:
    """What a reading level is measured on: the paragraphs, one per line. Headings and the
    sources list end no sentence, so in the Markdown they run into the prose's sentences and
    raise its grade (a two-sentence grade-4 paragraph reads as grade 8.5 with them)."""
    return "\n".join(p.text.strip() for section in lesson.sections for p in section.paragraphs)


def lesson_markdown(
    lesson: LessonDraft, brief: Brief, quoted: Collection[tuple[int, int]] = ()
) -> str:
    """The lesson as Markdown: cited paragraphs carry ``[n]``; the ``quoted`` ones (section,
    paragraph), a source's own words, are block quotes; the sources are listed at the end."""
    numbers = {source.number for source in brief.sources}
    parts: list[str] = []
    for s, section in enumerate(lesson.sections):
        parts.append(f"## {section.heading}")
        for p, paragraph in enumerate(section.paragraphs):
            marker = f" [{paragraph.source}]" if paragraph.source in numbers else ""
            quote = "> " if (s, p) in quoted else ""
            parts.append(quote + paragraph.text.strip() + marker)
    cited = sorted({p.source for s in lesson.sections for p in s.paragraphs} & numbers)
    if cited:
        titles = {source.number: source.title for source in brief.sources}
        parts.append("### Sources\n" + "\n".join(f"[{n}] {titles[n]}" for n in cited))
    return "\n\n".join(parts)
