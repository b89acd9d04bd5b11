"""The issue's figure: for the exercises of an OpenStax book, search finds a lesson of the same
chapter in the top 5. Exercises are indexed as chunks, so the strict variant that searches only
the lessons' text chunks is printed next to it (reported, not asserted)."""

import random
import time

import pytest
from sqlalchemy import select

from platform_api.curriculum.models import AssessmentItem, Course, Lesson
from platform_api.infra.database import Database
from platform_api.openstax.service import import_openstax_source
from rag.ingest import ingest_course
from rag.retrieve import search
from tests.openstax import BOOKS_DIR, STATISTICS_BOOK

SAMPLE = 200
SEED = 20261125


@pytest.mark.slow
async def test_exercises_find_their_chapter_in_the_top_5(database: Database) -> None:
    async with database.session() as session:
        await import_openstax_source(session, BOOKS_DIR / STATISTICS_BOOK, None)
        course_id = await session.scalar(
            select(Course.id).where(Course.title == "Introductory Statistics 2e")
        )
        assert course_id is not None
        rows = await session.execute(
            select(AssessmentItem.prompt, Lesson.unit_id)
            .join(Lesson, Lesson.id == AssessmentItem.lesson_id)
            .where(AssessmentItem.course_id == course_id)
            .order_by(AssessmentItem.id)
        )
        exercises = [(prompt, unit_id) for prompt, unit_id in rows]
        chapter_of = dict(
            (
                await session.execute(
                    select(Lesson.id, Lesson.unit_id).filter_by(course_id=course_id)
                )
            ).all()
        )

    report = await ingest_course(database, course_id)
    print(
        f"\ningest: {report.lessons_seen} lessons, {report.chunks_written} chunks "
        f"in {report.seconds:.1f} s"
    )
    sample = random.Random(SEED).sample(exercises, min(SAMPLE, len(exercises)))
    found = {"all": 0, "text": 0}
    started = time.perf_counter()
    for prompt, unit_id in sample:
        for label, kinds in (("all", None), ("text", ["text"])):
            hits = await search(database, prompt, [course_id], k=5, kinds=kinds)
            found[label] += any(chapter_of[hit.lesson_id] == unit_id for hit in hits)
    elapsed = time.perf_counter() - started
    share = found["all"] / len(sample)
    strict = found["text"] / len(sample)
    print(
        f"same-chapter lesson in top 5: {share:.3f} of {len(sample)} exercises "
        f"(text chunks only: {strict:.3f}); {2 * len(sample)} searches in {elapsed:.1f} s"
    )
    assert share >= 0.85
