"""A SuiteContext over the session's eval books (tests/fixtures/books.py)."""

from collections.abc import AsyncIterator

import pytest

from core.infra.database import Database
from evals.context import course_resolver
from evals.suite import SuiteContext
from rag.embeddings import Embedder
from rag.settings import RagSettings
from tests.fixtures.books import EvalBooks


@pytest.fixture
async def suite_context(eval_books: EvalBooks) -> AsyncIterator[SuiteContext]:
    database = Database(eval_books.database_url, pool_size=4)
    settings = RagSettings()
    context = SuiteContext(
        books_dir=eval_books.books_dir,
        database=database,
        rag_settings=settings,
        embedder=Embedder.from_settings(settings),
        course_of=course_resolver(database),
    )
    try:
        yield context
    finally:
        await database.close()
