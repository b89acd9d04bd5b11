"""Migration 0017 on a platform that already has chunks: they become the active index (the
bundled model, 384-d) with its own HNSW index, searches find them, and the way back keeps them."""

import asyncio

from alembic import command
from sqlalchemy import text

from core.infra.database import Database
from platform_api.schema import alembic_config
from rag.embeddings import Embedder
from rag.retrieve import search
from tests.rag.factories import VOLCANOES, make_course

OLD_CHUNK = (
    "INSERT INTO rag_chunks (id, lesson_id, course_id, chunk_index, kind, heading, text, "
    "metadata, content_hash, embedding) VALUES (gen_random_uuid(), :lesson, :course, 0, 'text', "
    "'', :text, '{}', 'old-hash', CAST(:vector AS vector))"
)


async def test_existing_chunks_become_the_active_index(database: Database) -> None:
    config = alembic_config(database.url)
    await asyncio.to_thread(command.downgrade, config, "0016")
    async with database.session() as session:
        course = await make_course(session, "Science", [VOLCANOES])
    vector = (await Embedder().encode([VOLCANOES.body]))[0].tolist()
    async with database.session() as session:
        await session.execute(
            text(OLD_CHUNK),
            {
                "lesson": course.lesson_ids[0],
                "course": course.course_id,
                "text": VOLCANOES.body,
                "vector": str(vector),
            },
        )
        await session.commit()

    await asyncio.to_thread(command.upgrade, config, "head")
    async with database.session() as session:
        indexes = (
            await session.execute(
                text("SELECT id, embedding_model, dimensions, state FROM rag_indexes")
            )
        ).all()
        chunk_index = await session.scalar(text("SELECT index_id FROM rag_chunks"))
        vector_index = await session.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_rag_chunks_embedding_1'")
        )
    assert [tuple(row) for row in indexes] == [(1, "bundled", 384, "active")]
    assert chunk_index == 1
    assert "hnsw" in vector_index and "vector(384)" in vector_index
    assert "index_id = 1" in vector_index
    hits = await search(database, "Why do volcanoes erupt?", [course.course_id], k=1)
    assert hits[0].lesson_id == course.lesson_ids[0]

    await asyncio.to_thread(command.downgrade, config, "0016")
    async with database.session() as session:
        kept = await session.scalar(text("SELECT count(*) FROM rag_chunks"))
    assert kept == 1
    await asyncio.to_thread(command.upgrade, config, "head")
