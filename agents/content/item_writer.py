"""The item writer: one quiz item per objective (or a structured item's stem reworded), then a
three-step hint ladder for it."""

from agents.content import prompts
from agents.content.brief import Brief
from agents.content.schemas import (
    ITEM_SCHEMAS,
    HintLadder,
    ItemKind,
    MultipleChoiceItem,
    NumericItem,
    Objective,
    RewordedStem,
    ShortAnswerItem,
)
from agents.content.structured_calls import StructuredCalls

QuizItemModel = MultipleChoiceItem | NumericItem | ShortAnswerItem

_TEMPLATES: dict[str, str] = {
    "multiple_choice": prompts.MULTIPLE_CHOICE,
    "numeric": prompts.NUMERIC,
    "short_answer": prompts.SHORT_ANSWER,
}


async def write_item(
    calls: StructuredCalls,
    brief: Brief,
    lesson_markdown: str,
    objective: Objective,
    kind: ItemKind,
    rejected_because: str = "",
) -> QuizItemModel:
    feedback = (
        prompts.REGENERATE_FEEDBACK.format(reasons=rejected_because) if rejected_because else ""
    )
    user = _TEMPLATES[kind].format(
        lesson=lesson_markdown, objective=objective.text, feedback=feedback
    )
    system = prompts.ITEM_WRITER_SYSTEM.format(course=brief.course_title, grade=brief.grade)
    return await calls.ask(system, user, ITEM_SCHEMAS[kind])


def answer_text(item: QuizItemModel) -> str:
    """The item's correct answer, as a reader would state it."""
    if isinstance(item, MultipleChoiceItem):
        return item.options[item.key].text
    if isinstance(item, NumericItem):
        return f"{item.answer:g} {item.unit}".strip()
    return item.model_answer


async def write_hints(calls: StructuredCalls, brief: Brief, item: QuizItemModel) -> list[str]:
    user = prompts.HINTS.format(stem=item.stem, answer=answer_text(item))
    system = prompts.ITEM_WRITER_SYSTEM.format(course=brief.course_title, grade=brief.grade)
    ladder = await calls.ask(system, user, HintLadder)
    return ladder.hints


async def reword_stem(calls: StructuredCalls, brief: Brief, stem: str, answer: str) -> str:
    """The stem of an item built from the material, in the writer's words."""
    user = prompts.REWORD_STEM.format(stem=stem, answer=answer)
    system = prompts.ITEM_WRITER_SYSTEM.format(course=brief.course_title, grade=brief.grade)
    reworded = await calls.ask(system, user, RewordedStem)
    return reworded.stem
