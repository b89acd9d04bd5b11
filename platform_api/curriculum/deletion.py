"""Deleting lessons and courses from every store: rows (cascading), files, cached copies."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.events import COURSE_DELETED, LESSON_DELETED, record_deleted
from core.curriculum.models import Lesson
from core.infra.objects import ObjectStore
from platform_api.auth.tokens import AccessClaims
from platform_api.curriculum import access
from platform_api.curriculum.lesson_cache import PublishedLessonCache
from platform_api.curriculum.service import check_if_match


def lesson_files_prefix(lesson_id: uuid.UUID) -> str:
    return f"lessons/{lesson_id}/"


async def _drop_files_and_cache(
    objects: ObjectStore, cache: PublishedLessonCache, lesson_ids: list[uuid.UUID]
) -> None:
    for lesson_id in lesson_ids:
        await objects.delete_prefix(lesson_files_prefix(lesson_id))
        await cache.invalidate(lesson_id)


async def delete_lesson(
    session: AsyncSession,
    objects: ObjectStore,
    cache: PublishedLessonCache,
    actor: AccessClaims,
    lesson_id: uuid.UUID,
    if_match: str | None,
) -> None:
    lesson = await access.editable_lesson(session, actor, lesson_id)
    check_if_match(lesson, if_match)
    record_deleted(
        session, LESSON_DELETED, {"lesson_id": str(lesson.id), "course_id": str(lesson.course_id)}
    )
    await session.delete(lesson)
    await session.commit()
    await _drop_files_and_cache(objects, cache, [lesson_id])


async def delete_course(
    session: AsyncSession,
    objects: ObjectStore,
    cache: PublishedLessonCache,
    actor: AccessClaims,
    course_id: uuid.UUID,
) -> None:
    course = await access.editable_course(session, actor, course_id)
    lesson_ids = list(await session.scalars(select(Lesson.id).where(Lesson.course_id == course.id)))
    record_deleted(session, COURSE_DELETED, {"course_id": str(course.id)})
    await session.delete(course)
    await session.commit()
    await _drop_files_and_cache(objects, cache, lesson_ids)
