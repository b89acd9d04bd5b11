"""Ingestion writes chunks for published lessons only and re-embeds only what changed."""

from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select, text, update

import rag.ingest
from core.curriculum.models import Lesson, LessonStatus
from core.infra.database import Database
from rag.embeddings import Embedder
from rag.ingest import (
    _published_lessons,
    chunk_and_embed,
    encode_piece,
    ingest_course,
    ingest_lessons,
)
from rag.models import RagChunk
from rag.settings import RagSettings
from tests.rag.factories import LOOPS, PHOTOSYNTHESIS, VOLCANOES, LessonSpec, make_course


async def chunk_count(database: Database, **where: object) -> int:
    statement = select(func.count()).select_from(RagChunk).filter_by(**where)
    async with database.session() as session:
        return int(await session.scalar(statement) or 0)


async def test_ingest_is_incremental(database: Database) -> None:
    draft = LessonSpec("Unfinished", "Not ready yet.", status=LessonStatus.DRAFT)
    async with database.session() as session:
        course = await make_course(session, "Science", [PHOTOSYNTHESIS, LOOPS, VOLCANOES, draft])
    progress: list[tuple[int, int]] = []

    first = await ingest_course(database, course.course_id, lambda d, t: progress.append((d, t)))
    assert (first.lessons_seen, first.lessons_embedded, first.lessons_skipped) == (3, 3, 0)
    assert first.chunks_written == await chunk_count(database, course_id=course.course_id) > 3
    assert await chunk_count(database, lesson_id=course.lesson_ids[3]) == 0
    assert progress[-1] == (3, 3)

    second = await ingest_course(database, course.course_id)
    assert (second.lessons_embedded, second.lessons_skipped, second.chunks_written) == (0, 3, 0)

    edited = course.lesson_ids[2]
    async with database.session() as session:
        await session.execute(
            update(Lesson).where(Lesson.id == edited).values(body_markdown="Lava cools to rock.")
        )
        await session.commit()
    third = await ingest_course(database, course.course_id)
    assert (third.lessons_embedded, third.lessons_skipped) == (1, 2)
    async with database.session() as session:
        texts = (await session.scalars(select(RagChunk.text).filter_by(lesson_id=edited))).all()
    assert texts == ["Lava cools to rock."]


async def test_unpublished_and_deleted_lessons_lose_their_chunks(database: Database) -> None:
    async with database.session() as session:
        course = await make_course(session, "Science", [PHOTOSYNTHESIS, LOOPS, VOLCANOES])
    await ingest_course(database, course.course_id)
    hidden, deleted, kept = course.lesson_ids
    async with database.session() as session:
        await session.execute(
            update(Lesson).where(Lesson.id == hidden).values(status=LessonStatus.REVIEW)
        )
        await session.execute(text("DELETE FROM lessons WHERE id = :id"), {"id": deleted})
        await session.commit()

    report = await ingest_lessons(database, [hidden, deleted, kept])
    assert (report.lessons_seen, report.lessons_removed, report.lessons_skipped) == (1, 1, 1)
    assert await chunk_count(database, lesson_id=hidden) == 0
    assert await chunk_count(database, lesson_id=deleted) == 0
    assert await chunk_count(database, lesson_id=kept) > 0


async def test_chunk_rows_carry_metadata_and_embeddings(database: Database) -> None:
    async with database.session() as session:
        course = await make_course(session, "Science", [PHOTOSYNTHESIS], chapter="Plants")
    await ingest_course(database, course.course_id)
    async with database.session() as session:
        chunks = (await session.scalars(select(RagChunk).order_by(RagChunk.chunk_index))).all()
    assert [chunk.kind for chunk in chunks] == ["text", "text", "exercise"]
    assert [chunk.chunk_index for chunk in chunks] == [0, 1, 2]
    assert chunks[1].heading == "How plants make sugar > The Calvin cycle"
    metadata = chunks[0].chunk_metadata
    assert metadata["chapter_title"] == "Plants"
    assert metadata["source_module"] == "m90001"
    assert metadata["objectives"] == PHOTOSYNTHESIS.objectives
    assert len(chunks[0].embedding) == 384
    assert abs(sum(float(x) ** 2 for x in chunks[0].embedding) - 1.0) < 1e-3


async def test_rows_encoded_piece_by_piece_are_those_of_one_encode(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pieces of two texts (longest first, written while the next encodes) give every chunk its
    own lesson, place and vector, as one encode call over all of them would."""
    async with database.session() as session:
        course = await make_course(session, "Science", [PHOTOSYNTHESIS, LOOPS, VOLCANOES])
    embedder = Embedder(batch_size=2)
    monkeypatch.setattr(rag.ingest, "BATCHES_PER_PIECE", 1)
    report = await ingest_course(database, course.course_id, embedder=embedder)
    async with database.session() as session:
        lessons = await _published_lessons(session, Lesson.course_id == course.course_id)
        stored = (await session.scalars(select(RagChunk))).all()
    expected = chunk_and_embed(lessons, embedder, RagSettings().chunk_max_tokens)
    assert report.chunks_written == len(stored) == len(expected) > 4  # more than two pieces
    by_place = {(chunk.lesson_id, chunk.chunk_index): chunk for chunk in stored}
    for row in expected:
        chunk = by_place[(row["lesson_id"], row["chunk_index"])]
        assert (chunk.text, chunk.heading, chunk.kind) == (row["text"], row["heading"], row["kind"])
        assert float(np.dot(np.asarray(chunk.embedding), row["embedding"])) > 0.999


async def test_a_failed_piece_leaves_the_lessons_old_chunks(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All pieces of a batch are written in one transaction: an encode failing after the first
    piece was written rolls the batch back, and the old chunks stay searchable."""
    async with database.session() as session:
        course = await make_course(session, "Science", [PHOTOSYNTHESIS, LOOPS, VOLCANOES])
    await ingest_course(database, course.course_id)
    before = await chunk_count(database, course_id=course.course_id)
    async with database.session() as session:
        await session.execute(
            update(Lesson)
            .where(Lesson.course_id == course.course_id)
            .values(body_markdown=Lesson.body_markdown + "\n\nOne more paragraph.")
        )
        await session.commit()
    encoded: list[int] = []

    def encode_twice(piece: list[Any], embedder: Embedder) -> Any:
        if encoded:
            raise RuntimeError("the encoder failed")
        encoded.append(len(piece))
        return encode_piece(piece, embedder)

    monkeypatch.setattr(rag.ingest, "BATCHES_PER_PIECE", 1)
    monkeypatch.setattr(rag.ingest, "encode_piece", encode_twice)
    with pytest.raises(RuntimeError, match="the encoder failed"):
        await ingest_course(database, course.course_id, embedder=Embedder(batch_size=2))
    assert encoded == [2]
    assert await chunk_count(database, course_id=course.course_id) == before
    async with database.session() as session:
        texts = (await session.scalars(select(RagChunk.text))).all()
    assert not any("One more paragraph." in text for text in texts)
