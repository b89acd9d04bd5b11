"""Who may edit which part of the curriculum: the owner of the curriculum, or an admin."""

import uuid

from sqlalchemy import ColumnElement, true
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import Course, Curriculum, Lesson, LessonStatus, Unit
from core.errors import Forbidden, NotFound
from platform_api.auth.models import Role
from platform_api.auth.tokens import AccessClaims


def _require_owner(actor: AccessClaims, owner_id: uuid.UUID | None) -> None:
    if actor.role is not Role.ADMIN and owner_id != actor.user_id:
        raise Forbidden("Only the owner of this curriculum (or an admin) may change it.")


async def editable_curriculum(
    session: AsyncSession, actor: AccessClaims, curriculum_id: uuid.UUID
) -> Curriculum:
    curriculum = await session.get(Curriculum, curriculum_id)
    if curriculum is None:
        raise NotFound("No such curriculum.")
    _require_owner(actor, curriculum.owner_id)
    return curriculum


async def editable_course(
    session: AsyncSession, actor: AccessClaims, course_id: uuid.UUID
) -> Course:
    course = await session.get(Course, course_id)
    if course is None:
        raise NotFound("No such course.")
    _require_owner(actor, course.owner_id)
    return course


async def editable_unit(session: AsyncSession, actor: AccessClaims, unit_id: uuid.UUID) -> Unit:
    unit = await session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("No such unit.")
    await editable_course(session, actor, unit.course_id)
    return unit


async def editable_lesson(
    session: AsyncSession, actor: AccessClaims, lesson_id: uuid.UUID
) -> Lesson:
    lesson = await session.get(Lesson, lesson_id, with_for_update=True)
    if lesson is None:
        raise NotFound("No such lesson.")
    await editable_course(session, actor, lesson.course_id)
    return lesson


def edits_course_clause(actor: AccessClaims) -> ColumnElement[bool]:
    """SQL for "``actor`` may edit this course" (``Course`` in the query): what
    ``can_edit_course`` decides for one course."""
    return true() if actor.role is Role.ADMIN else Course.owner_id == actor.user_id


async def can_edit_course(session: AsyncSession, actor: AccessClaims, course_id: uuid.UUID) -> bool:
    if actor.role is Role.ADMIN:
        return True
    course = await session.get(Course, course_id)
    return course is not None and course.owner_id == actor.user_id


async def readable_lesson(
    session: AsyncSession, actor: AccessClaims, lesson_id: uuid.UUID
) -> Lesson:
    """Published lessons are readable by every signed-in user; drafts by their editors only."""
    lesson = await session.get(Lesson, lesson_id)
    if lesson is None:
        raise NotFound("No such lesson.")
    if lesson.status is not LessonStatus.PUBLISHED and not await can_edit_course(
        session, actor, lesson.course_id
    ):
        raise NotFound("No such lesson.")
    return lesson
