"""Ingestion of published lessons into an index's ``rag_chunks``: incremental by content hash.

A lesson whose content hash is unchanged is skipped; a changed one has its chunks replaced in one
transaction (readers see the old chunks or the new ones, never a mix); chunks of lessons that are
no longer published are removed (deleted lessons go with them through the foreign key).
``ingest_course``/``ingest_lessons`` write to the active index and embed in this process, the
next rows encoding while the previous ones are written; ``sync_lessons`` takes the index and the
embedding function, so the embedding refresh (``pipelines/embeddings``) fills a new index with Ray
workers through the same steps.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from typing import Any, NamedTuple

import numpy as np
from pydantic import BaseModel
from sqlalchemy import ColumnElement, and_, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import AssessmentItem, Lesson, LessonStatus, Unit
from core.infra.database import Database
from rag.chunking import Chunk, ExerciseContent, LessonContent, chunk_lesson
from rag.embeddings import Embedder
from rag.indexes import IndexInfo, index_embedder, open_active_index
from rag.models import RagChunk
from rag.settings import RagSettings

ProgressCallback = Callable[[int, int], None]
# Lessons → their chunk rows (without ``index_id``), embedded somewhere (a thread, a Ray actor),
# in pieces as they are ready: all of a batch's pieces are written in one transaction.
EmbedLessons = Callable[[list[LessonContent]], AsyncGenerator[list[dict[str, Any]], None]]
# Lessons embedded together: one encode call keeps the model's batches full.
LESSONS_PER_BATCH = 16
# In this process, a whole course's changed lessons form one batch (one length sort, one
# transaction): texts of like length share the model's batches, so they pad little and only the
# last one is partial; 16-lesson batches ran at 0.75x the bare encode of the same texts.
LOCAL_LESSONS_PER_BATCH = 1024
# In this process, the chunks are sorted by length (as sentence-transformers sorts one call's
# texts) and encoded this many model batches at a time, so that each piece's rows are written
# while the next piece is encoded, with the same batches as one call over all of them.
BATCHES_PER_PIECE = 4


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
    """Bring the chunks of one course in the active index up to date with its published lessons."""
    return await _ingest_active(
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
    return await _ingest_active(
        database, Lesson.id.in_(ids), RagChunk.lesson_id.in_(ids), progress, embedder, settings
    )


async def _ingest_active(
    database: Database,
    lessons_in_scope: ColumnElement[bool],
    chunks_in_scope: ColumnElement[bool],
    progress: ProgressCallback | None,
    embedder: Embedder | None,
    settings: RagSettings | None,
) -> IngestReport:
    """Into the active index, with its model and chunk size: while a refresh fills a new index
    for another model, the one searches read stays consistent (the refresh catches up on what
    changed meanwhile before and after it switches)."""
    settings = settings or RagSettings()
    preferred = embedder or Embedder.from_settings(settings)
    index = await open_active_index(database, preferred, settings.chunk_max_tokens)
    model = index_embedder(index, preferred, settings.batch_size)
    embed = local_embedding(model, index.chunk_max_tokens)
    return await sync_lessons(
        database,
        index,
        lessons_in_scope,
        chunks_in_scope,
        embed,
        lessons_per_batch=LOCAL_LESSONS_PER_BATCH,
        progress=progress,
    )


class PlacedChunk(NamedTuple):
    """A chunk with its lesson, its place there, and the text the model embeds."""

    lesson: LessonContent
    position: int  # in its lesson: the row's chunk_index
    chunk: Chunk
    text: str  # what is embedded: Chunk.embedding_text()


def local_embedding(embedder: Embedder, max_tokens: int) -> EmbedLessons:
    """Chunk and embed in worker threads of this process, one piece ahead of the writes."""

    async def embed(lessons: list[LessonContent]) -> AsyncGenerator[list[dict[str, Any]], None]:
        placed = await asyncio.to_thread(chunk_lessons, lessons, embedder, max_tokens)
        pieces = _length_sorted_pieces(placed, BATCHES_PER_PIECE * embedder.batch_size)
        async for rows in _encoded_ahead(pieces, embedder):
            yield rows

    return embed


def _length_sorted_pieces(placed: list[PlacedChunk], size: int) -> list[list[PlacedChunk]]:
    """Longest text first, as sentence-transformers orders one call's texts (by characters)."""
    ordered = sorted(placed, key=lambda item: -len(item.text))
    return [ordered[start : start + size] for start in range(0, len(ordered), size)]


async def _encoded_ahead(
    pieces: list[list[PlacedChunk]], embedder: Embedder
) -> AsyncGenerator[list[dict[str, Any]], None]:
    """Each piece's rows; the next piece is encoding in a thread while the caller writes them."""

    def start(piece: list[PlacedChunk]) -> asyncio.Future[np.ndarray]:
        return asyncio.ensure_future(asyncio.to_thread(encode_piece, piece, embedder))

    if not pieces:
        return
    encoding = start(pieces[0])
    try:
        for position, piece in enumerate(pieces):
            vectors = await encoding
            if position + 1 < len(pieces):
                encoding = start(pieces[position + 1])
            yield [_row(item, vector) for item, vector in zip(piece, vectors, strict=True)]
    finally:
        encoding.cancel()  # when the caller stopped early; its thread ends on its own


def encode_piece(piece: list[PlacedChunk], embedder: Embedder) -> np.ndarray:
    return embedder.encode_sync([item.text for item in piece])


async def sync_lessons(
    database: Database,
    index: IndexInfo,
    lessons_in_scope: ColumnElement[bool],
    chunks_in_scope: ColumnElement[bool],
    embed: EmbedLessons,
    *,
    concurrency: int = 1,
    lessons_per_batch: int = LESSONS_PER_BATCH,
    progress: ProgressCallback | None = None,
) -> IngestReport:
    """Bring ``index``'s chunks of the lessons in scope up to date: lessons whose content hash
    changed are embedded again (``concurrency`` batches at once, each replaced in one
    transaction), chunks of lessons no longer published are removed."""
    started = time.perf_counter()
    chunks_in_scope = and_(chunks_in_scope, RagChunk.index_id == index.id)
    async with database.session() as session:
        lessons = await _published_lessons(session, lessons_in_scope)
        stored = await _stored_hashes(session, chunks_in_scope)
        removed = set(stored) - {lesson.lesson_id for lesson in lessons}
        if removed:
            await session.execute(
                delete(RagChunk).where(chunks_in_scope, RagChunk.lesson_id.in_(removed))
            )
            await session.commit()
    report = IngestReport(lessons_seen=len(lessons), lessons_removed=len(removed))
    changed = [
        lesson for lesson in lessons if stored.get(lesson.lesson_id) != lesson.content_hash()
    ]
    report.lessons_skipped = len(lessons) - len(changed)
    batches = [
        changed[start : start + lessons_per_batch]
        for start in range(0, len(changed), lessons_per_batch)
    ]
    if progress:
        progress(report.lessons_skipped, len(lessons))

    async def work() -> None:
        while batches:
            batch = batches.pop(0)
            # Not `report.chunks_written += await …`: that reads the count before the wait,
            # and the other workers' additions meanwhile would be lost.
            written = await _replace_chunks(database, index.id, batch, embed(batch))
            report.chunks_written += written
            report.lessons_embedded += len(batch)
            if progress:
                progress(report.lessons_skipped + report.lessons_embedded, len(lessons))

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(max(1, concurrency)):
                group.create_task(work())
    except ExceptionGroup as failed:  # the first failure, not a group of one
        raise failed.exceptions[0] from None
    report.seconds = round(time.perf_counter() - started, 3)
    return report


async def _published_lessons(
    session: AsyncSession, in_scope: ColumnElement[bool]
) -> list[LessonContent]:
    published = (in_scope, Lesson.status == LessonStatus.PUBLISHED)
    rows = await session.execute(
        select(Lesson, Unit.title)
        .join(Unit, Unit.id == Lesson.unit_id)
        .where(*published)
        .order_by(Unit.position, Lesson.position)
    )
    lessons = [(row[0], row[1]) for row in rows]
    # A subquery, not a list of ids: a whole platform's lessons exceed a statement's parameters.
    items = await session.scalars(
        select(AssessmentItem)
        .where(AssessmentItem.lesson_id.in_(select(Lesson.id).where(*published)))
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
            key_terms=list(lesson.key_terms or []),
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
    index_id: int,
    lessons: list[LessonContent],
    embedded: AsyncGenerator[list[dict[str, Any]], None],
) -> int:
    """Swap the lessons' rows of one index in one transaction: readers see the old chunks or
    the new ones, never a mix. Returns the rows written."""
    ids = [lesson.lesson_id for lesson in lessons]
    async with aclosing(embedded):
        # The first piece before the transaction: an embedder that answers all at once (a Ray
        # actor) keeps no connection of the pool waiting meanwhile.
        first: list[dict[str, Any]] = await anext(embedded, [])
        async with database.session() as session, session.begin():
            await session.execute(
                delete(RagChunk).where(RagChunk.index_id == index_id, RagChunk.lesson_id.in_(ids))
            )
            written = await _insert_rows(session, index_id, first)
            async for rows in embedded:
                written += await _insert_rows(session, index_id, rows)
    return written


async def _insert_rows(session: AsyncSession, index_id: int, rows: list[dict[str, Any]]) -> int:
    if rows:
        await session.execute(insert(RagChunk), [{**row, "index_id": index_id} for row in rows])
    return len(rows)


def chunk_lessons(
    lessons: list[LessonContent], embedder: Embedder, max_tokens: int
) -> list[PlacedChunk]:
    """The lessons' chunks in reading order, each with its place and the text to embed."""
    return [
        PlacedChunk(lesson, index, chunk, chunk.embedding_text())
        for lesson in lessons
        for index, chunk in enumerate(
            chunk_lesson(lesson, max_tokens=max_tokens, count=embedder.count_tokens)
        )
    ]


def chunk_and_embed(
    lessons: list[LessonContent], embedder: Embedder, max_tokens: int
) -> list[dict[str, Any]]:
    """The chunk rows of these lessons (without their index), in one encode call: CPU work for
    a Ray worker."""
    placed = chunk_lessons(lessons, embedder, max_tokens)
    vectors = encode_piece(placed, embedder)
    return [_row(item, vector) for item, vector in zip(placed, vectors, strict=True)]


def _row(placed: PlacedChunk, vector: Any) -> dict[str, Any]:
    lesson, chunk = placed.lesson, placed.chunk
    return {
        "lesson_id": lesson.lesson_id,
        "course_id": lesson.course_id,
        "chunk_index": placed.position,
        "kind": chunk.kind,
        "heading": chunk.heading,
        "text": chunk.text,
        "chunk_metadata": chunk.metadata,
        "content_hash": lesson.content_hash(),
        "embedding": vector,
    }
