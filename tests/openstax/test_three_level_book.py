"""A book of units → chapters → sections: imported, then read through the outline and search.

Anatomy and Physiology groups its chapters in units; each chapter must stay a unit of the course
(its sections the lessons) with the book's unit kept as the group, and search must name the
chapter. The book is imported once (a few seconds); expectations come from its collection XML.
"""

import uuid
from itertools import pairwise

import pytest

from core.openstax.parser import parse_collection_dir
from platform_api.openstax.importer import import_collections
from rag.ingest import ingest_lessons
from rag.retrieve import search
from tests.fixtures.app import Api
from tests.openstax import ANATOMY_BOOK, BOOKS_DIR, chapter_outline, expected_counts

pytestmark = pytest.mark.skipif(not BOOKS_DIR.is_dir(), reason=f"no OpenStax books at {BOOKS_DIR}")


async def test_chapters_stay_units_grouped_by_the_books_units(api: Api) -> None:
    book = BOOKS_DIR / ANATOMY_BOOK
    student = await api.account("student")
    # The importer itself, not the upload: the upload also announces the course, and the app's
    # retrieval consumer would then embed all of it (a minute of CPU) beside this test.
    async with api.stores.database.session() as session:
        (summary,) = await import_collections(session, parse_collection_dir(book), None)
        await session.commit()
    (expected,) = expected_counts(book).values()
    assert (summary.chapters, summary.groups, summary.lessons, summary.exercises) == (
        expected.chapters,
        expected.groups,
        expected.lessons,
        expected.exercises,
    )

    outline = await api.client.get(
        f"/api/v1/curricula/courses/{summary.course_id}", headers=student.headers
    )
    units = outline.json()["units"]
    chapters = [unit for unit in units if unit["group_title"] is not None]
    assert [
        (unit["title"], unit["group_title"], len(unit["lessons"])) for unit in chapters
    ] == chapter_outline(book)
    assert sum(len(unit["lessons"]) for unit in units) == expected.lessons

    # A chapter that is not the first of its group, so its title differs from the group's.
    chapter = next(
        later
        for earlier, later in pairwise(chapters)
        if later["group_title"] == earlier["group_title"]
    )
    lesson = chapter["lessons"][0]
    await ingest_lessons(api.stores.database, [uuid.UUID(lesson["id"])])
    hits = await search(api.stores.database, lesson["title"], [summary.course_id], k=3)
    assert hits and {hit.chapter_title for hit in hits} == {chapter["title"]}
