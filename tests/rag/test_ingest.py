"""Ingestion writes chunks for published lessons only and re-embeds only what changed."""

from sqlalchemy import func, select, text, update

from core.curriculum.models import Lesson, LessonStatus
from core.infra.database import Database
from rag.ingest import ingest_course, ingest_lessons
from rag.models import RagChunk
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
