"""Importing the real books into PostgreSQL: counts, idempotent re-import, versions, atomicity."""

import dataclasses
import itertools
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import (
    AssessmentItem,
    Course,
    Curriculum,
    ItemKind,
    Lesson,
    LessonStatus,
    LessonVersion,
    Unit,
)
from core.infra.database import Database
from core.openstax.parser import (
    CnxmlError,
    ParsedChapter,
    ParsedCollection,
    parse_collection_dir,
)
from platform_api.openstax.importer import ImportSummary, import_collections
from tests.openstax import ANATOMY_BOOK, BOOKS_DIR, PYTHON_BOOK, STATISTICS_BOOK, expected_counts

pytestmark = pytest.mark.skipif(not BOOKS_DIR.is_dir(), reason=f"no OpenStax books at {BOOKS_DIR}")


async def run_import(
    database: Database, collections: list[ParsedCollection]
) -> list[ImportSummary]:
    async with database.session() as session:
        summaries = await import_collections(session, collections, None)
        await session.commit()
    return summaries


Table = type[Curriculum | Course | Unit | Lesson | LessonVersion | AssessmentItem]


async def count(session: AsyncSession, table: Table) -> int:
    return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def count_in_course(
    session: AsyncSession, table: type[Unit | Lesson | AssessmentItem], course_id: uuid.UUID
) -> int:
    statement = select(func.count()).select_from(table).where(table.course_id == course_id)
    return int(await session.scalar(statement) or 0)


async def ids(session: AsyncSession, table: Table) -> set[uuid.UUID]:
    return set(await session.scalars(select(table.id)))


async def test_both_books_import_with_the_counts_of_the_xml(database: Database) -> None:
    progress: list[tuple[int, int]] = []
    expected = {
        key: value
        for book in (PYTHON_BOOK, STATISTICS_BOOK)
        for key, value in expected_counts(BOOKS_DIR / book).items()
    }
    collections = [
        *parse_collection_dir(BOOKS_DIR / PYTHON_BOOK),
        *parse_collection_dir(BOOKS_DIR / STATISTICS_BOOK),
    ]
    async with database.session() as session:
        summaries = await import_collections(
            session, collections, None, progress=lambda *p: progress.append(p)
        )
        await session.commit()
        assert {s.source_key for s in summaries} == set(expected)
        for summary in summaries:
            want = expected[summary.source_key]
            assert summary.created
            assert (summary.chapters, summary.lessons, summary.exercises) == (
                want.chapters,
                want.lessons,
                want.exercises,
            )
            stored = [
                await count_in_course(session, table, summary.course_id)
                for table in (Unit, Lesson, AssessmentItem)
            ]
            assert stored == [want.chapters, want.lessons, want.exercises]
        assert await count(session, Curriculum) == len(expected)
        assert await count(session, LessonVersion) == await count(session, Lesson)
        statuses = set(await session.scalars(select(Lesson.status).distinct()))
        assert statuses == {LessonStatus.PUBLISHED}
        mc = (
            await session.execute(
                select(AssessmentItem.options, AssessmentItem.answer).where(
                    AssessmentItem.kind == ItemKind.MULTIPLE_CHOICE
                )
            )
        ).all()
        assert mc and all(answer in {o["label"] for o in options} for options, answer in mc)
    total = sum(e.lessons for e in expected.values())
    assert progress[-1] == (total, total)


async def test_statistics_bundle_imports_in_seconds(database: Database) -> None:
    collections = parse_collection_dir(BOOKS_DIR / STATISTICS_BOOK)
    started = time.perf_counter()
    summaries = await run_import(database, collections)
    elapsed = time.perf_counter() - started
    assert sum(s.exercises for s in summaries) > 3000
    assert elapsed < 20, f"import took {elapsed:.1f}s"


async def test_reimport_is_idempotent(database: Database) -> None:
    collections = parse_collection_dir(BOOKS_DIR / STATISTICS_BOOK)
    first = await run_import(database, collections)
    async with database.session() as session:
        before = {t: await ids(session, t) for t in (Course, Unit, Lesson, AssessmentItem)}
    second = await run_import(database, parse_collection_dir(BOOKS_DIR / STATISTICS_BOOK))
    assert [s.model_copy(update={"created": True}) for s in second] == first
    assert not any(s.created for s in second)
    async with database.session() as session:
        assert {t: await ids(session, t) for t in before} == before
        assert set(await session.scalars(select(Lesson.version).distinct())) == {1}
        assert await count(session, LessonVersion) == await count(session, Lesson)
        assert await count(session, Curriculum) == len(collections)


def edit_first_module(collection: ParsedCollection) -> tuple[ParsedCollection, str]:
    """A copy whose first module with exercises has a new body and one exercise fewer."""
    chapters = list(collection.chapters)
    for c, chapter in enumerate(chapters):
        for m, module in enumerate(chapter.modules):
            if module.exercises:
                edited = dataclasses.replace(
                    module,
                    body_markdown=f"{module.body_markdown}\n\nNew.",
                    exercises=module.exercises[1:],
                )
                modules = [*chapter.modules[:m], edited, *chapter.modules[m + 1 :]]
                chapters[c] = dataclasses.replace(chapter, modules=modules)
                return dataclasses.replace(collection, chapters=chapters), module.module_id
    raise AssertionError("no module with exercises")


async def test_changed_content_bumps_the_version_and_drops_vanished_items(
    database: Database,
) -> None:
    [original] = parse_collection_dir(BOOKS_DIR / PYTHON_BOOK)
    [created] = await run_import(database, [original])
    edited, module_id = edit_first_module(original)
    [updated] = await run_import(database, [edited])
    assert updated.exercises == created.exercises - 1
    async with database.session() as session:
        lesson = await session.scalar(select(Lesson).where(Lesson.source_key == module_id))
        assert lesson is not None and lesson.version == 2 and lesson.body_markdown.endswith("New.")
        versions = await session.scalars(
            select(LessonVersion.version).where(LessonVersion.lesson_id == lesson.id)
        )
        assert sorted(versions) == [1, 2]
        assert await count(session, AssessmentItem) == created.exercises - 1
        others = await session.scalars(select(Lesson.version).where(Lesson.id != lesson.id))
        assert set(others) == {1}


def as_imported_before_groups(collection: ParsedCollection) -> ParsedCollection:
    """The book as the importer once read it: each group of chapters one unit, keyed chapter:N."""
    units = []
    for number, (group, chapters) in enumerate(
        itertools.groupby(collection.chapters, key=lambda c: c.group_title)
    ):
        members = list(chapters)
        modules = [m for chapter in members for m in chapter.modules]
        key = f"chapter:{number}" if group else members[0].source_key
        units.append(ParsedChapter(key, group or members[0].title, number, modules))
    return dataclasses.replace(collection, chapters=units)


async def test_reimport_regroups_a_book_imported_with_its_units_as_chapters(
    database: Database,
) -> None:
    [whole] = parse_collection_dir(BOOKS_DIR / ANATOMY_BOOK)
    kept = list(dict.fromkeys(c.group_title for c in whole.chapters))[:3]  # short: two units
    book = dataclasses.replace(whole, chapters=[c for c in whole.chapters if c.group_title in kept])
    [before] = await run_import(database, [as_imported_before_groups(book)])
    async with database.session() as session:
        lessons = await ids(session, Lesson)
    [after] = await run_import(database, [book])
    assert (after.course_id, after.chapters, after.lessons) == (
        before.course_id,
        len(book.chapters),
        before.lessons,
    )
    async with database.session() as session:
        assert await ids(session, Lesson) == lessons
        assert set(await session.scalars(select(Lesson.version).distinct())) == {1}
        units = await session.execute(
            select(Unit.source_key, Unit.title, Unit.group_title, func.count(Lesson.id))
            .join(Lesson, Lesson.unit_id == Unit.id)
            .group_by(Unit.id)
            .order_by(Unit.position)
        )
        assert [tuple(unit) for unit in units] == [
            (c.source_key, c.title, c.group_title, len(c.modules)) for c in book.chapters
        ]


async def test_malformed_book_writes_nothing(database: Database, tmp_path: Path) -> None:
    book = tmp_path / "book"
    (book / "collections").mkdir(parents=True)
    source = BOOKS_DIR / PYTHON_BOOK / "collections" / f"{PYTHON_BOOK}.collection.xml"
    (book / "collections" / "book.collection.xml").write_bytes(source.read_bytes())
    with pytest.raises(CnxmlError):  # no modules/ folder: the first module is missing
        await run_import(database, parse_collection_dir(book))
    async with database.session() as session:
        for table in (Curriculum, Course, Unit, Lesson, AssessmentItem, LessonVersion):
            assert await count(session, table) == 0


async def test_failure_midway_rolls_everything_back(database: Database) -> None:
    good, *_ = parse_collection_dir(BOOKS_DIR / STATISTICS_BOOK)
    bad = dataclasses.replace(good, source_key="openstax:too-long", title="x" * 400)
    async with database.session() as session:
        with pytest.raises(Exception, match="too long"):
            await import_collections(session, [good, bad], None)
        await session.rollback()
    async with database.session() as session:
        for table in (Curriculum, Course, Unit, Lesson, AssessmentItem):
            assert await count(session, table) == 0
