"""A book of units → chapters → sections through the public ways in: import, outline, search.

Anatomy and Physiology groups its chapters in units; each chapter must stay a unit of the course
(its sections the lessons) with the book's unit kept as the group, and search must name the
chapter. The book is imported once (a few seconds); expectations come from its collection XML.
"""

import uuid
from itertools import pairwise

import pytest

from rag.ingest import ingest_lessons
from rag.retrieve import search
from tests.fixtures.app import Api
from tests.openstax import ANATOMY_BOOK, BOOKS_DIR, chapter_outline, expected_counts
from tests.openstax.books import zip_book

pytestmark = pytest.mark.skipif(not BOOKS_DIR.is_dir(), reason=f"no OpenStax books at {BOOKS_DIR}")


async def test_chapters_stay_units_grouped_by_the_books_units(api: Api) -> None:
    book = BOOKS_DIR / ANATOMY_BOOK
    teacher, student = await api.account("teacher"), await api.account("student")
    imported = await api.client.post(
        "/api/v1/curricula/import",
        headers=teacher.headers,
        files={"file": ("book.zip", zip_book(book), "application/zip")},
    )
    assert imported.status_code == 200, imported.text
    (summary,) = imported.json()
    (expected,) = expected_counts(book).values()
    assert [summary[k] for k in ("chapters", "groups", "lessons", "exercises")] == [
        expected.chapters,
        expected.groups,
        expected.lessons,
        expected.exercises,
    ]

    outline = await api.client.get(
        f"/api/v1/curricula/courses/{summary['course_id']}", headers=student.headers
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
    course_id = uuid.UUID(summary["course_id"])
    hits = await search(api.stores.database, lesson["title"], [course_id], k=3)
    assert hits and {hit.chapter_title for hit in hits} == {chapter["title"]}
