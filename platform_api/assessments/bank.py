"""The item bank: teachers and editors write items; an edit is a new, immutable version.

A response keeps the ``item_version`` its learner saw and grading reads that version's snapshot,
so editing an item never changes an answered attempt. Items imported from OpenStax or generated
by content jobs are read through the same ``ItemSpec`` and used as they are.
"""

import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import AssessmentItem, AssessmentItemVersion, ItemKind, Lesson
from core.errors import Forbidden, NotFound, PreconditionFailed, ValidationFailed
from platform_api.assessments.auth import item_writable_course
from platform_api.assessments.item_spec import ItemSpec, spec_from_snapshot
from platform_api.assessments.schemas import (
    ItemContent,
    ItemCreate,
    ItemOut,
    ItemPatch,
    NumericOut,
    OptionOut,
    RubricLineOut,
    ShortAnswerOut,
)
from platform_api.auth.tokens import AccessClaims
from platform_api.content.store import item_snapshot


def spec_of(item: AssessmentItem) -> ItemSpec:
    return spec_from_snapshot(item_snapshot(item))


def describe_item(item: AssessmentItem) -> ItemOut:
    spec = spec_of(item)
    numeric = (
        NumericOut(answer=spec.numeric_answer, tolerance=spec.tolerance, unit=spec.unit)
        if spec.kind is ItemKind.NUMERIC
        else None
    )
    short = (
        ShortAnswerOut(
            model_answer=spec.model_answer,
            rubric=[RubricLineOut(criterion=r.criterion, points=r.points) for r in spec.rubric],
        )
        if spec.rubric
        else None
    )
    return ItemOut(
        id=item.id,
        lesson_id=item.lesson_id,
        course_id=item.course_id,
        kind=item.kind,
        version=item.version,
        prompt=item.prompt,
        options=[OptionOut(key=key, text=text) for key, text in spec.options],
        answer=item.answer,
        solution=item.solution,
        numeric=numeric,
        short_answer=short,
        max_points=spec.max_points,
    )


def _columns(content: ItemContent, old_details: dict[str, Any] | None) -> dict[str, Any]:
    """Row columns of validated content; other keys of ``details`` (generated ones) are kept."""
    details = dict(old_details or {})
    answer: str | None = content.answer
    if content.numeric is not None:
        details.update(content.numeric.model_dump())
        answer = repr(content.numeric.answer)
    if content.short_answer is not None:
        details.update(content.short_answer.model_dump())
        answer = content.short_answer.model_answer
    return {
        "kind": content.kind,
        "prompt": content.prompt,
        "options": [{"label": o.key, "text": o.text} for o in content.options],
        "answer": answer,
        "solution": content.solution,
        "details": details or None,
    }


def _current_content(item: AssessmentItem) -> dict[str, Any]:
    """The item as ``ItemContent`` fields, the base a partial edit is laid over."""
    described = describe_item(item)
    content: dict[str, Any] = {
        "kind": item.kind,
        "prompt": item.prompt,
        "options": [o.model_dump() for o in described.options],
        "answer": item.answer if item.kind is ItemKind.MULTIPLE_CHOICE else None,
        "solution": item.solution,
    }
    if described.numeric is not None:
        content["numeric"] = described.numeric.model_dump()
    if item.kind is ItemKind.SHORT_ANSWER and described.short_answer is not None:
        content["short_answer"] = described.short_answer.model_dump()
    return content


def _validated(content: dict[str, Any]) -> ItemContent:
    try:
        return ItemContent.model_validate(content)
    except ValidationError as error:
        details = [
            {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()
        ]
        raise ValidationFailed("The edited item is not valid.", details) from error


def _add_version(
    session: AsyncSession, item: AssessmentItem, actor: AccessClaims, note: str
) -> None:
    session.add(
        AssessmentItemVersion(
            item_id=item.id,
            version=item.version,
            snapshot=item_snapshot(item),
            author_id=actor.user_id,
            change_note=note,
        )
    )


async def create_item(session: AsyncSession, actor: AccessClaims, body: ItemCreate) -> ItemOut:
    lesson = await session.get(Lesson, body.lesson_id)
    if lesson is None:
        raise NotFound("No such lesson.", {"field": "lesson_id"})
    await item_writable_course(session, actor, lesson.course_id)
    last = await session.scalar(
        select(func.max(AssessmentItem.position)).where(AssessmentItem.lesson_id == lesson.id)
    )
    item = AssessmentItem(
        id=uuid.uuid4(),
        lesson_id=lesson.id,
        course_id=lesson.course_id,
        position=0 if last is None else last + 1,
        version=1,
        **_columns(body, None),
    )
    session.add(item)
    _add_version(session, item, actor, "created")
    await session.commit()
    return describe_item(item)


async def _writable_item(
    session: AsyncSession, actor: AccessClaims, item_id: uuid.UUID, *, lock: bool = False
) -> AssessmentItem:
    item = await session.get(AssessmentItem, item_id, with_for_update=lock)
    if item is None:
        raise NotFound("No such item.")
    try:
        await item_writable_course(session, actor, item.course_id)
    except Forbidden as error:  # its key must not leak, nor that it exists
        raise NotFound("No such item.") from error
    return item


async def get_item(session: AsyncSession, actor: AccessClaims, item_id: uuid.UUID) -> ItemOut:
    return describe_item(await _writable_item(session, actor, item_id))


async def patch_item(
    session: AsyncSession, actor: AccessClaims, item_id: uuid.UUID, body: ItemPatch
) -> ItemOut:
    item = await _writable_item(session, actor, item_id, lock=True)
    if body.version != item.version:
        raise PreconditionFailed("The item changed since you read it.", {"version": item.version})
    await ensure_snapshot(session, item)  # the version being replaced stays readable
    changes = body.model_dump(exclude_none=True, exclude={"version", "change_note"})
    content = _validated({**_current_content(item), **changes})
    for column, value in _columns(content, item.details).items():
        setattr(item, column, value)
    item.version += 1
    _add_version(session, item, actor, body.change_note or "edited")
    await session.commit()
    return describe_item(item)


async def ensure_snapshot(session: AsyncSession, item: AssessmentItem) -> None:
    """Write the version row of the item's current version if none exists (imported items)."""
    await session.execute(
        insert(AssessmentItemVersion)
        .values(
            id=uuid.uuid4(),
            item_id=item.id,
            version=item.version,
            snapshot=item_snapshot(item),
            change_note="snapshot taken when first used",
        )
        .on_conflict_do_nothing(index_elements=["item_id", "version"])
    )
