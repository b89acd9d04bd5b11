"""In the running API, publishing a lesson makes it searchable; edits re-embed only that lesson."""

import asyncio
import time
import uuid
from collections.abc import Callable

from sqlalchemy import select

from core.infra.database import Database
from rag.consumer import CONSUMER
from rag.models import RagChunk
from rag.retrieve import search
from tests.curriculum.test_lessons import make_course, make_lesson, publish
from tests.fixtures.app import Api

# The first event loads the embedding model in this process: allow for it on a busy machine.
INGEST_TIMEOUT_SECONDS = 120.0
ChunkIds = dict[str, set[uuid.UUID]]


async def chunks_by_lesson(database: Database, course_id: str) -> ChunkIds:
    async with database.session() as session:
        rows = await session.execute(
            select(RagChunk.lesson_id, RagChunk.id).where(
                RagChunk.course_id == uuid.UUID(course_id)
            )
        )
        found: ChunkIds = {}
        for lesson_id, chunk_id in rows:
            found.setdefault(str(lesson_id), set()).add(chunk_id)
        return found


async def content_hash(database: Database, lesson_id: str) -> str | None:
    async with database.session() as session:
        query = select(RagChunk.content_hash).filter_by(lesson_id=uuid.UUID(lesson_id)).limit(1)
        return await session.scalar(query)


async def wait_until(
    database: Database, course_id: str, done: Callable[[ChunkIds], bool]
) -> ChunkIds:
    deadline = time.monotonic() + INGEST_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        chunks = await chunks_by_lesson(database, course_id)
        if done(chunks):
            return chunks
        await asyncio.sleep(0.2)
    raise AssertionError(f"the retrieval index did not catch up: {chunks}")


async def test_published_lessons_are_indexed_and_only_edits_re_embedded(api: Api) -> None:
    teacher = await api.account("teacher")
    database = api.stores.database
    course_id, unit_id = await make_course(api, teacher)
    friction, friction_etag = await make_lesson(api, teacher, unit_id)
    magnets, magnets_etag = await make_lesson(
        api, teacher, unit_id, "Magnets", "Like poles of two magnets repel each other."
    )
    friction_etag = await publish(api, teacher, friction, friction_etag)
    await publish(api, teacher, magnets, magnets_etag)

    indexed = await wait_until(database, course_id, lambda c: {friction, magnets} <= set(c))
    question = "what opposes motion between surfaces"
    (hit,) = await search(database, question, [uuid.UUID(course_id)], k=1)
    assert str(hit.lesson_id) == friction

    old_hash = await content_hash(database, friction)
    edited = await api.client.patch(
        f"/api/v1/curricula/lessons/{friction}",
        headers={**teacher.headers, "If-Match": friction_etag},
        json={"body_markdown": "Rough surfaces make friction stronger.", "change_note": "fix"},
    )
    assert edited.status_code == 200, edited.text
    reindexed = await wait_until(
        database, course_id, lambda c: c.get(friction, indexed[friction]) != indexed[friction]
    )
    assert await content_hash(database, friction) != old_hash
    assert reindexed[magnets] == indexed[magnets]  # the unchanged lesson kept its chunks

    deleted = await api.client.delete(
        f"/api/v1/curricula/lessons/{friction}",
        headers={**teacher.headers, "If-Match": edited.headers["ETag"]},
    )
    assert deleted.status_code == 204
    assert set(await chunks_by_lesson(database, course_id)) == {magnets}
    assert await api.stores.bus.dead_letters(CONSUMER) == []
