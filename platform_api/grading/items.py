"""The item version a learner answered, as the grader reads it.

A response points at ``(item_id, item_version)``: grading reads that version's snapshot through
the one reading of items (``assessments.item_spec``), never a later edit. A sitting writes the
snapshot of every item it shows when it starts (``assessments.bank.ensure_snapshot``).
"""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from agents.grader.schemas import MAX_RUBRIC_LINES, GradingInput
from core.errors import NotFound
from platform_api.assessments.item_spec import ItemSpec, version_spec

MAX_RUBRIC_LINE_CHARS = 200


class ItemVersionMissing(LookupError):
    """The version an answer was given to is gone: grading it against another would be wrong."""


async def load_item_version(session: AsyncSession, item_id: uuid.UUID, version: int) -> ItemSpec:
    try:
        return await version_spec(session, item_id, version)
    except NotFound as missing:
        raise ItemVersionMissing(f"item {item_id} has no version {version}") from missing


def rubric_lines(item: ItemSpec) -> list[str]:
    """The rubric as the LLM reads it: each line's criterion, bounded in length and number."""
    lines = [line.criterion.strip()[:MAX_RUBRIC_LINE_CHARS] for line in item.rubric]
    return [line for line in lines if line][:MAX_RUBRIC_LINES]


def grading_input(
    item: ItemSpec, answer: str, max_points: float, course_id: uuid.UUID | None = None
) -> GradingInput:
    return GradingInput(
        question=item.prompt,
        model_answer=item.model_answer,
        rubric=rubric_lines(item),
        answer=answer,
        max_points=max_points,
        course_id=course_id,
    )
