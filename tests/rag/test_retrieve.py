"""Hybrid retrieval finds the lesson a question comes from, only inside the allowed courses."""

import json

import pytest

from core.infra.database import Database
from rag.ingest import ingest_course
from rag.retrieve import QueryVector, any_term_query, embed_query, search
from tests.fixtures.cli import run_wc
from tests.rag.encoder_calls import record_encodes
from tests.rag.factories import LOOPS, PHOTOSYNTHESIS, VOLCANOES, LessonSpec, make_course


async def two_courses(database: Database) -> tuple[list, list]:  # type: ignore[type-arg]
    async with database.session() as session:
        science = await make_course(session, "Science", [PHOTOSYNTHESIS, LOOPS, VOLCANOES])
        other = await make_course(
            session,
            "Other science",
            [LessonSpec("Oxygen from leaves", "Leaves release oxygen gas when water is split.")],
        )
    for course in (science, other):
        await ingest_course(database, course.course_id)
    return [science.course_id, *science.lesson_ids], [other.course_id, *other.lesson_ids]


async def test_a_sentence_of_a_lesson_finds_that_lesson(database: Database) -> None:
    (science, photosynthesis, loops, volcanoes), _ = await two_courses(database)
    questions = {
        "Which enzyme fixes carbon dioxide into sugars in the stroma?": photosynthesis,
        "why does my loop never stop running": loops,
        "What makes some eruptions explosive?": volcanoes,
    }
    for question, lesson_id in questions.items():
        hits = await search(database, question, [science], k=3)
        assert hits[0].lesson_id == lesson_id, (question, hits)
        assert hits[0].score >= hits[-1].score
        assert hits[0].chapter_title == "Chapter 1"


async def test_course_filter_excludes_other_courses(database: Database) -> None:
    (science, *lessons), (other, other_lesson) = await two_courses(database)
    question = "Which gas is released when water molecules are split?"
    mine = await search(database, question, [science], k=10)
    assert mine and {hit.lesson_id for hit in mine} <= set(lessons)
    theirs = await search(database, question, [other], k=10)
    assert {hit.lesson_id for hit in theirs} == {other_lesson}
    both = await search(database, question, [science, other], k=10)
    assert {hit.lesson_id for hit in both} >= {other_lesson, lessons[0]}


async def test_kinds_and_degenerate_queries(database: Database) -> None:
    (science, *_), _ = await two_courses(database)
    text_only = await search(database, "range for loop", [science], k=10, kinds=["text"])
    assert text_only and all(hit.kind == "text" for hit in text_only)
    assert await search(database, "   ", [science]) == []
    assert await search(database, "loops", []) == []
    assert await search(database, "?!", [science], k=2)  # no terms: vector side only
    assert any_term_query("What is a for-loop? or what") == "what or is or a or for or loop"


async def test_a_query_vector_serves_its_index_and_a_stale_one_is_embedded_again(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    (science, *_), _ = await two_courses(database)
    question = "Which enzyme fixes carbon dioxide into sugars in the stroma?"
    prepared = await embed_query(database, question)
    assert prepared is not None and len(prepared.values) == 384
    encoded = record_encodes(monkeypatch)
    fresh = await search(database, question, [science], k=3)
    given = await search(database, question, [science], k=3, query_vector=prepared)
    assert encoded == [[question]]  # the prepared vector was not made again
    assert [hit.chunk_id for hit in given] == [hit.chunk_id for hit in fresh]
    # Made for an index that is not the active one (a refresh switched meanwhile): not used.
    stale = QueryVector(prepared.index_id + 1, [0.0] * len(prepared.values))
    again = await search(database, question, [science], k=3, query_vector=stale)
    assert encoded == [[question], [question]]
    assert [hit.chunk_id for hit in again] == [hit.chunk_id for hit in fresh]


async def test_cli_search_json_shape(database: Database, database_url_for_test: str) -> None:
    (science, photosynthesis, *_), _ = await two_courses(database)
    question = "Which enzyme fixes carbon dioxide?"
    args = ["search", question, "--course", str(science), "-k", "2", "--json"]
    result = await run_wc(database_url_for_test, *args)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert len(hits) == 2
    for hit in hits:
        assert set(hit) == {
            "lesson_id",
            "lesson_title",
            "chapter_title",
            "source_module",
            "score",
            "text",
        }
        assert isinstance(hit["score"], float)
    assert hits[0]["lesson_id"] == str(photosynthesis)
    assert hits[0]["source_module"] == "m90001"
    assert hits[0]["lesson_title"] == "How plants make sugar"


async def test_cli_ingest_reports_counts(database: Database, database_url_for_test: str) -> None:
    async with database.session() as session:
        course = await make_course(session, "Science", [PHOTOSYNTHESIS, LOOPS])
    result = await run_wc(database_url_for_test, "ingest", "--course", str(course.course_id))
    assert result.returncode == 0, result.stderr
    assert "2 lessons: 2 embedded" in result.stderr
