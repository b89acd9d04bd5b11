"""The full-text leg reads rows by the query's rarest terms only (``WC_RAG_TEXT_ROWS``), and on a
table whose rows its pool covers it returns exactly what the exact search returns."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from core.infra.database import Database, session_factory
from rag.ingest import ingest_course
from rag.rare_terms import QueryTerms, any_of, query_terms
from rag.retrieve import any_term_query, search
from rag.settings import RagSettings
from tests.rag.factories import LOOPS, PHOTOSYNTHESIS, VOLCANOES, make_course

QUESTIONS = (
    "Which enzyme fixes carbon dioxide into sugars in the stroma?",
    "why does my loop never stop running",
    "What makes some eruptions explosive?",
    "Where does the oxygen that plants release come from?",
)


def test_rarest_terms_are_taken_while_their_rows_fit_the_budget() -> None:
    terms = QueryTerms({"stroma": 3.0, "enzyme": 40.0, "sugar": 300.0, "water": 5000.0})
    assert terms.rarest_within(50) == ["stroma", "enzyme"]
    assert terms.rarest_within(2) == []  # no term fits: the vector candidates alone are ranked
    assert terms.rarest_within(10_000) is None  # every term fits: every match, as exact
    assert terms.rarest_within(0) is None  # 0: no bound
    # No statistics yet (a table never analysed): no estimate, so every match is read.
    assert QueryTerms({"stroma": None, "water": 5000.0}).rarest_within(50) is None


class ExactDatabase(Database):
    """The same database with index scans off: searches compute exact vector distances."""

    def __init__(self, url: str) -> None:
        super().__init__(url, pool_size=1)
        self.engine = create_async_engine(
            self.url, pool_size=1, connect_args={"server_settings": {"enable_indexscan": "off"}}
        )
        self.sessions = session_factory(self.engine)


@pytest.fixture
async def exact_database(database_url_for_test: str) -> AsyncIterator[Database]:
    exact = ExactDatabase(database_url_for_test)
    yield exact
    await exact.close()


async def test_bounded_search_matches_exact_search_on_a_small_table(
    database: Database, exact_database: Database
) -> None:
    async with database.session() as session:
        course = await make_course(session, "Science", [PHOTOSYNTHESIS, LOOPS, VOLCANOES])
    await ingest_course(database, course.course_id)
    async with database.session() as session, session.begin():
        await session.execute(text("ANALYZE rag_chunks"))
    async with database.session() as session:
        [estimated] = await query_terms(session, ["carbon or dioxide or stroma"])
        asked = await query_terms(session, [any_term_query(q) for q in QUESTIONS])
        # Lexemes are quoted as they are: a quote or a backslash cannot break the tsquery.
        literal = await session.scalar(
            text("SELECT CAST(:q AS tsquery)::text"), {"q": any_of(["it's", "a\\b"])}
        )
    assert set(estimated.estimated_rows) == {"carbon", "dioxid", "stroma"}
    assert all(rows is not None and rows > 0 for rows in estimated.estimated_rows.values())
    assert literal == "'it''s' | 'a\\\\b'"
    # A budget of 1 row drops terms here: the bounded SQL runs, not the exact one.
    assert all(terms.rarest_within(1) is not None for terms in asked)
    exact = RagSettings(text_rows=0)
    for budget in (RagSettings().text_rows, 1):  # the default, and a bound that drops terms
        bounded = RagSettings(text_rows=budget)
        for question in QUESTIONS:
            want = await search(exact_database, question, [course.course_id], 10, settings=exact)
            got = await search(database, question, [course.course_id], 10, settings=bounded)
            # The vector candidates hold every chunk of this table: nothing can be missed.
            assert [hit.chunk_id for hit in got] == [hit.chunk_id for hit in want], question
            assert [hit.score for hit in got] == pytest.approx([hit.score for hit in want])
