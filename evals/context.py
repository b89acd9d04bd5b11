"""The suites' context from the platform's settings: its course database (embedded unless
configured), its retrieval settings, the eval books, and the model under evaluation."""

import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from sqlalchemy import select

from core.curriculum.models import Course
from core.infra.database import Database
from core.infra.postgres_embedded import platform_database_url
from core.settings import Settings
from evals.heldout import EVAL_COLLECTIONS
from evals.suite import Progress, SuiteContext
from evals.targets import ModelUnderTest, Target
from rag.settings import RagSettings


def course_resolver(database: Database) -> Callable[[str], Awaitable[uuid.UUID | None]]:
    """A book's imported course, found by its collection's source key."""

    async def course_of(book: str) -> uuid.UUID | None:
        source_key = EVAL_COLLECTIONS.get(book)
        if source_key is None:
            return None
        async with database.session() as session:
            return await session.scalar(select(Course.id).where(Course.source_key == source_key))

    return course_of


@contextlib.asynccontextmanager
async def platform_context(
    model: ModelUnderTest,
    books_dir: Path,
    progress: Progress,
    judge: Target | None = None,
    database_url: str | None = None,
) -> AsyncIterator[SuiteContext]:
    """``database_url`` defaults to the platform's (its embedded server when none is set)."""
    settings = Settings()
    url = database_url or platform_database_url(settings.database_url, settings.resolved_data_dir)
    database = Database(url, pool_size=4)
    llm = model.target.client() if model.target else None
    context = SuiteContext(
        books_dir=books_dir,
        llm=llm,
        likelihood=model.local or llm,
        judge=judge.client() if judge else None,
        database=database,
        rag_settings=RagSettings(),
        progress=progress,
        course_of=course_resolver(database),
    )
    try:
        yield context
    finally:
        for client in (context.llm, context.judge):
            if client is not None:
                await client.close()
        await database.close()
