"""Import entry point shared by the CLI and the HTTP endpoint: parse fully, then write once."""

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.events import CourseImported, record_course_imported
from core.curriculum.models import Lesson
from core.openstax.parser import (
    ParsedCollection,
    parse_collection_dir,
    parse_collection_zip,
)
from platform_api.curriculum.lesson_cache import PublishedLessonCache
from platform_api.openstax.importer import ImportSummary, import_collections

ProgressCallback = Callable[[int, int], None]


def _parse(source: Path | bytes) -> list[ParsedCollection]:
    if isinstance(source, bytes):
        return parse_collection_zip(source)
    if source.is_file():
        return parse_collection_zip(source.read_bytes())
    return parse_collection_dir(source)


async def import_openstax_source(
    session: AsyncSession,
    source: Path | bytes,
    owner_id: uuid.UUID | None,
    progress: ProgressCallback | None = None,
    lesson_cache: PublishedLessonCache | None = None,
) -> list[ImportSummary]:
    """Parse a book folder, zip file or zip bytes, import and commit; nothing is written on error.

    Parsing (CPU-bound XML work) runs in a worker thread so the event loop keeps serving. Each
    imported course is announced with a ``curriculum.course_imported`` event, and cached copies
    of its lessons are dropped so readers see the new versions at once.
    """
    collections = await asyncio.to_thread(_parse, source)
    try:
        summaries = await import_collections(session, collections, owner_id, progress=progress)
        for summary in summaries:
            record_course_imported(
                session,
                CourseImported(
                    course_id=summary.course_id,
                    source_key=summary.source_key,
                    lessons=summary.lessons,
                ),
            )
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    if lesson_cache is not None:
        await _drop_cached_lessons(session, lesson_cache, [s.course_id for s in summaries])
    return summaries


async def _drop_cached_lessons(
    session: AsyncSession, lesson_cache: PublishedLessonCache, course_ids: list[uuid.UUID]
) -> None:
    lesson_ids = await session.scalars(select(Lesson.id).where(Lesson.course_id.in_(course_ids)))
    for lesson_id in lesson_ids:
        await lesson_cache.invalidate(lesson_id)
