"""Keeps the retrieval index in step with the curriculum, driven by its events.

- ``curriculum.lesson_published`` (also sent for each edit of a published lesson): that lesson.
- ``curriculum.course_imported``: the course's published lessons.

Both ingest incrementally, so only lessons whose content hash changed are embedded again. That
hash is also what makes redelivery harmless: a repeated event finds nothing changed and writes
nothing. The outbox's ``idempotent`` wrapper is not used because its guarantee (mark and effect in
one transaction) cannot hold here: ingestion commits batch by batch in its own sessions, and
wrapping it would only hold a second connection open for the whole embedding.

Deleted lessons and courses need no handler: ``rag_chunks`` references both with
``ON DELETE CASCADE``, so their chunks are deleted in the same transaction as the rows.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from core.curriculum.events import (
    COURSE_IMPORTED,
    LESSON_PUBLISHED,
    CourseImported,
    LessonPublished,
)
from core.infra.bus import Event, EventBus
from core.infra.database import Database
from rag.embeddings import Embedder
from rag.ingest import IngestReport, ingest_course, ingest_lessons
from rag.settings import RagSettings

logger = logging.getLogger(__name__)

CONSUMER = "rag.ingest"


async def subscribe_reingestion(
    bus: EventBus, database: Database, embedder: Embedder, settings: RagSettings | None = None
) -> None:
    """Re-ingest what curriculum events report as published.

    The embedder's model loads on the first event, not here, so API start-up does not wait for
    it. Runs are serialised: embedding is CPU-bound, and a bus that delivers events concurrently
    (RabbitMQ's prefetch) would otherwise start several at once on the same cores.
    """
    settings = settings or RagSettings()
    one_at_a_time = asyncio.Lock()

    async def lesson_published(event: Event) -> IngestReport:
        lesson_id = LessonPublished.model_validate(event.payload).lesson_id
        return await ingest_lessons(database, [lesson_id], embedder=embedder, settings=settings)

    async def course_imported(event: Event) -> IngestReport:
        course_id = CourseImported.model_validate(event.payload).course_id
        return await ingest_course(database, course_id, embedder=embedder, settings=settings)

    ingesters: dict[str, Callable[[Event], Awaitable[IngestReport]]] = {
        LESSON_PUBLISHED: lesson_published,
        COURSE_IMPORTED: course_imported,
    }

    async def handle(event: Event) -> None:
        async with one_at_a_time:
            report = await ingesters[event.type](event)
        logger.info(
            "retrieval index updated",
            extra={"event_type": event.type, "event_id": str(event.id), **report.model_dump()},
        )

    await bus.subscribe(CONSUMER, list(ingesters), handle)
