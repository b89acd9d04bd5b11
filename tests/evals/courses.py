"""Courses for the generation suite's tests: the book sections that hold the job's source material,
one course per book (importing whole books costs minutes; a real run finds each book's imported
course by its collection key, ``evals.context.course_resolver``)."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from functools import cache
from pathlib import Path

from core.infra.database import Database
from core.openstax.parser import ParsedCollection, ParsedModule, parse_collection_dir
from evals.heldout import EVAL_COLLECTIONS
from evals.suites.generation.dataset import GenerationTopic
from rag.ingest import ingest_course
from tests.openstax import BOOKS_DIR
from tests.rag.factories import LessonSpec, make_course

CourseOf = Callable[[str], Awaitable[uuid.UUID | None]]


@cache
def eval_collection(book: str) -> ParsedCollection:
    """The book's eval collection alone (the statistics bundle holds two)."""
    name = EVAL_COLLECTIONS[book].removeprefix("openstax:")
    (collection,) = parse_collection_dir(
        BOOKS_DIR / book, Path(f"collections/{name}.collection.xml")
    )
    return collection


def source_module(topic: GenerationTopic) -> ParsedModule:
    return next(
        module
        for chapter in eval_collection(topic.book).chapters
        for module in chapter.modules
        if module.module_id == topic.module_id
    )


def _lesson(module: ParsedModule) -> LessonSpec:
    # With its exercises: the duplicate check compares generated items against the course's.
    return LessonSpec(
        title=module.title,
        body=module.body_markdown,
        objectives=module.objectives,
        exercises=[exercise.prompt for exercise in module.exercises],
        source_key=module.module_id,
    )


async def courses_of_sections(database: Database, topics: Sequence[GenerationTopic]) -> CourseOf:
    """One ingested course per book of the topics' sections; resolves a book to its course."""
    courses: dict[str, uuid.UUID] = {}
    for book in dict.fromkeys(topic.book for topic in topics):
        chosen = {t.module_id: t for t in topics if t.book == book}.values()
        lessons = [_lesson(source_module(topic)) for topic in chosen]
        async with database.session() as session:
            course = await make_course(session, f"{book} sections", lessons)
        await ingest_course(database, course.course_id)
        courses[book] = course.course_id

    async def course_of(book: str) -> uuid.UUID | None:
        return courses.get(book)

    return course_of
