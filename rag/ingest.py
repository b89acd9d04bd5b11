"""Ingestion of published lessons into ``rag_chunks``: incremental by content hash.

A lesson whose content hash is unchanged is skipped; a changed one has its chunks replaced in one
transaction (readers see the old chunks or the new ones, never a mix); chunks of lessons that are
no longer published are removed (deleted lessons go with them through the foreign key).
"""

import asyncio
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import AssessmentItem, Lesson, LessonStatus, Unit
from core.infra.database import Database
from rag.chunking import Chunk, ExerciseContent, LessonContent, chunk_lesson
from rag.embeddings import Embedder
from rag.models import RagChunk
from rag.settings import RagSettings

ProgressCallback = Callable[[int, int], None]
# Lessons embedded together: one encode call keeps the model's batches full.
LESSONS_PER_BATCH = 16


class IngestReport(BaseModel):
    lessons_seen: int = 0
    lessons_embedded: int = 0
    lessons_skipped: int = 0
    lessons_removed: int = 0
    chunks_written: int = 0
    seconds: float = 0.0


async def ingest_course(
    database: Database,
    course_id: uuid.UUID,
    progress: ProgressCallback | None = None,
    *,
    embedder: Embedder | None = None,
    settings: RagSettings | None = None,
) -> IngestReport:
    """Bring the chunks of one course up to date with its published lessons."""
    return await _ingest(
        database,
        Lesson.course_id == course_id,
        RagChunk.course_id == course_id,
        progress,
        embedder,
        settings,
    )


async def ingest_lessons(
    database: Database,
    lesson_ids: Sequence[uuid.UUID],
    progress: ProgressCallback | None = None,
    *,
    embedder: Embedder | None = None,
    settings: RagSettings | None = None,
) -> IngestReport:
    """Bring the chunks of these lessons up to date (e.g. on ``LessonPublished``)."""
    ids = list(lesson_ids)
    return await _ingest(
        database, Lesson.id.in_(ids), RagChunk.lesson_id.in_(ids), progress, embedder, settings
    )


async def _ingest(
    database: Database,
    lessons_in_scope: ColumnElement[bool],
    chunks_in_scope: ColumnElement[bool],
    progress: ProgressCallback | None,
    embedder: Embedder | None,
    settings: RagSettings | None,
) -> IngestReport:
    started = time.perf_counter()
    settings = settings or RagSettings()
    embedder = embedder or Embedder(settings.embedding_model, batch_size=settings.batch_size)
    async with database.session() as session:
        lessons = await _published_lessons(session, lessons_in_scope)
        stored = await _stored_hashes(session, chunks_in_scope)
        removed = set(stored) - {lesson.lesson_id for lesson in lessons}
        if removed:
            await session.execute(delete(RagChunk).where(RagChunk.lesson_id.in_(removed)))
            await session.commit()
    report = IngestReport(lessons_seen=len(lessons), lessons_removed=len(removed))
    changed = [
        lesson for lesson in lessons if stored.get(lesson.lesson_id) != lesson.content_hash()
    ]
    report.lessons_skipped = len(lessons) - len(changed)
    done = report.lessons_skipped
    if progress:
        progress(done, len(lessons))
    for start in range(0, len(changed), LESSONS_PER_BATCH):
        batch = changed[start : start + LESSONS_PER_BATCH]
        report.chunks_written += await _replace_chunks(database, batch, embedder, settings)
        report.lessons_embedded += len(batch)
        done += len(batch)
        if progress:
            progress(done, len(lessons))
    report.seconds = round(time.perf_counter() - started, 3)
    return report


async def _published_lessons(
    session: AsyncSession, in_scope: ColumnElement[bool]
) -> list[LessonContent]:
    rows = await session.execute(
        select(Lesson, Unit.title)
        .join(Unit, Unit.id == Lesson.unit_id)
        .where(in_scope, Lesson.status == LessonStatus.PUBLISHED)
        .order_by(Unit.position, Lesson.position)
    )
    lessons = [(row[0], row[1]) for row in rows]
    items = await session.scalars(
        select(AssessmentItem)
        .where(AssessmentItem.lesson_id.in_([lesson.id for lesson, _ in lessons]))
        .order_by(AssessmentItem.lesson_id, AssessmentItem.position)
    )
    exercises: dict[uuid.UUID, list[ExerciseContent]] = {}
    for item in items:
        exercise = ExerciseContent(item.id, item.prompt, list(item.options or []))
        exercises.setdefault(item.lesson_id, []).append(exercise)
    return [
        LessonContent(
            course_id=lesson.course_id,
            lesson_id=lesson.id,
            lesson_title=lesson.title,
            chapter_title=chapter_title,
            source_module=lesson.source_key,
            objectives=list(lesson.objectives or []),
            body_markdown=lesson.body_markdown,
            exercises=exercises.get(lesson.id, []),
        )
        for lesson, chapter_title in lessons
    ]


async def _stored_hashes(
    session: AsyncSession, in_scope: ColumnElement[bool]
) -> dict[uuid.UUID, str]:
    rows = await session.execute(
        select(RagChunk.lesson_id, RagChunk.content_hash).where(in_scope).distinct()
    )
    return {lesson_id: content_hash for lesson_id, content_hash in rows}


async def _replace_chunks(
    database: Database,
    lessons: list[LessonContent],
    embedder: Embedder,
    settings: RagSettings,
) -> int:
    """Chunk and embed the lessons (in a worker thread), then swap their rows in one transaction."""
    rows = await asyncio.to_thread(_chunk_and_embed, lessons, embedder, settings.chunk_max_tokens)
    async with database.session() as session, session.begin():
        ids = [lesson.lesson_id for lesson in lessons]
        await session.execute(delete(RagChunk).where(RagChunk.lesson_id.in_(ids)))
        if rows:
            await session.execute(insert(RagChunk), rows)
    return len(rows)


def _chunk_and_embed(
    lessons: list[LessonContent], embedder: Embedder, max_tokens: int
) -> list[dict[str, Any]]:
    chunked = [
        (lesson, chunk_lesson(lesson, max_tokens=max_tokens, count=embedder.count_tokens))
        for lesson in lessons
    ]
    texts = [chunk.embedding_text() for _, chunks in chunked for chunk in chunks]
    vectors = iter(embedder.encode_sync(texts))
    return [
        _row(lesson, index, chunk, next(vectors))
        for lesson, chunks in chunked
        for index, chunk in enumerate(chunks)
    ]


def _row(lesson: LessonContent, index: int, chunk: Chunk, vector: Any) -> dict[str, Any]:
    return {
        "lesson_id": lesson.lesson_id,
        "course_id": lesson.course_id,
        "chunk_index": index,
        "kind": chunk.kind,
        "heading": chunk.heading,
        "text": chunk.text,
        "chunk_metadata": chunk.metadata,
        "content_hash": lesson.content_hash(),
        "embedding": vector,
    }
