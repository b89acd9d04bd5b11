"""Write parsed OpenStax collections into the curriculum tables, idempotently and in bulk.

Rows are matched by source keys (course by collection key, unit by chapter key, lesson by module id,
item by exercise id), so a re-import updates in place and removes what the book no longer has.
Nothing is committed here: the caller commits once, so a failed import leaves no trace.
"""

import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import (
    AssessmentItem,
    Course,
    Curriculum,
    Lesson,
    LessonStatus,
    LessonVersion,
    Unit,
)
from core.openstax.parser import ParsedCollection, ParsedModule
from platform_api.mastery.objectives import sync_objectives

# Rows per multi-row INSERT: keeps each statement well under PostgreSQL's 32,767 bind parameters.
CHUNK_ROWS = 1000
_CONTENT_FIELDS = ("title", "body_markdown", "objectives", "key_terms")
_ITEM_FIELDS = ("lesson_id", "kind", "prompt", "options", "answer", "solution", "position")

Progress = Callable[[int, int], None]


class ImportSummary(BaseModel):
    course_id: uuid.UUID
    source_key: str
    title: str
    chapters: int = Field(description="Units of the course: the book's chapters and matter runs.")
    groups: int = Field(description="Parts of the book that group chapters (OpenStax units).")
    lessons: int
    exercises: int
    created: bool


async def import_collections(
    session: AsyncSession,
    collections: list[ParsedCollection],
    owner_id: uuid.UUID | None,
    *,
    progress: Progress | None = None,
) -> list[ImportSummary]:
    """Upsert each collection as one course; ``progress(done, total)`` counts lessons written."""
    total = sum(len(chapter.modules) for c in collections for chapter in c.chapters)
    done = 0
    summaries = []
    for collection in collections:
        summaries.append(await _import_collection(session, collection, owner_id))
        done += summaries[-1].lessons
        if progress is not None:
            progress(done, total)
    return summaries


async def _import_collection(
    session: AsyncSession, collection: ParsedCollection, owner_id: uuid.UUID | None
) -> ImportSummary:
    course_id, created = await _upsert_course(session, collection, owner_id)
    unit_ids = await _upsert_units(session, course_id, collection)
    lesson_ids = await _upsert_lessons(session, course_id, collection, unit_ids, owner_id)
    await sync_objectives(session, lesson_ids.values())
    exercises = await _upsert_items(session, course_id, collection, lesson_ids)
    await _delete_stale(session, Lesson, course_id, set(lesson_ids.values()))
    await _delete_stale(session, Unit, course_id, set(unit_ids.values()))
    return ImportSummary(
        course_id=course_id,
        source_key=collection.source_key,
        title=collection.title,
        chapters=len(collection.chapters),
        groups=len({c.group_title for c in collection.chapters if c.group_title is not None}),
        lessons=len(lesson_ids),
        exercises=exercises,
        created=created,
    )


async def _upsert_course(
    session: AsyncSession, collection: ParsedCollection, owner_id: uuid.UUID | None
) -> tuple[uuid.UUID, bool]:
    """Find the course by source key (retitling it and its curriculum) or create both."""
    course = await session.scalar(select(Course).where(Course.source_key == collection.source_key))
    if course is not None:
        course.title = collection.title
        await session.execute(
            update(Curriculum)
            .where(Curriculum.id == course.curriculum_id)
            .values(title=collection.title)
        )
        await session.flush()
        return course.id, False
    curriculum = Curriculum(title=collection.title, owner_id=owner_id)
    session.add(curriculum)
    await session.flush()
    course = Course(
        curriculum_id=curriculum.id,
        title=collection.title,
        owner_id=owner_id,
        source_key=collection.source_key,
    )
    session.add(course)
    await session.flush()
    return course.id, True


async def _upsert_units(
    session: AsyncSession, course_id: uuid.UUID, collection: ParsedCollection
) -> dict[str, uuid.UUID]:
    rows = [
        {
            "id": uuid.uuid4(),
            "course_id": course_id,
            "title": chapter.title,
            "position": chapter.position,
            "source_key": chapter.source_key,
            "group_title": chapter.group_title,
        }
        for chapter in collection.chapters
    ]
    statement = insert(Unit).values(rows)
    result = await session.execute(
        statement.on_conflict_do_update(
            index_elements=[Unit.course_id, Unit.source_key],
            set_={name: statement.excluded[name] for name in ("title", "position", "group_title")},
        ).returning(Unit.source_key, Unit.id)
    )
    return {str(key): unit_id for key, unit_id in result.all()}


async def _upsert_lessons(
    session: AsyncSession,
    course_id: uuid.UUID,
    collection: ParsedCollection,
    unit_ids: dict[str, uuid.UUID],
    owner_id: uuid.UUID | None,
) -> dict[str, uuid.UUID]:
    """Insert new lessons, update moved or changed ones; a content change bumps the version."""
    existing = {
        row.source_key: row
        for row in await session.execute(
            select(
                Lesson.id,
                Lesson.source_key,
                Lesson.unit_id,
                Lesson.position,
                Lesson.version,
                Lesson.status,
                *(getattr(Lesson, name) for name in _CONTENT_FIELDS),
            ).where(Lesson.course_id == course_id, Lesson.source_key.is_not(None))
        )
    }
    now = datetime.now(UTC)
    rows, snapshots = [], []
    lesson_ids: dict[str, uuid.UUID] = {}
    for chapter in collection.chapters:
        for position, module in enumerate(chapter.modules):
            unit_id = unit_ids[chapter.source_key]
            row = _lesson_row(course_id, unit_id, position, module, owner_id, now)
            old = existing.get(module.module_id)
            if old is not None:
                row.update(id=old.id, version=old.version, status=old.status)
                if any(getattr(old, name) != row[name] for name in _CONTENT_FIELDS):
                    row["version"] += 1
                elif (old.unit_id, old.position) == (row["unit_id"], position):
                    lesson_ids[module.module_id] = old.id
                    continue
            if old is None or row["version"] != old.version:
                snapshots.append(row)
            rows.append(row)
    for chunk in _chunks(rows):
        statement = insert(Lesson).values(chunk)
        written = await session.execute(
            statement.on_conflict_do_update(
                index_elements=[Lesson.course_id, Lesson.source_key],
                set_={
                    name: statement.excluded[name]
                    for name in (
                        "unit_id",
                        "position",
                        "version",
                        "updated_at",
                        "updated_by",
                        *_CONTENT_FIELDS,
                    )
                },
            ).returning(Lesson.source_key, Lesson.id)
        )
        lesson_ids.update({str(key): lesson_id for key, lesson_id in written.all()})
    await _write_versions(session, snapshots, owner_id, collection.source_key)
    return lesson_ids


def _lesson_row(
    course_id: uuid.UUID,
    unit_id: uuid.UUID,
    position: int,
    module: ParsedModule,
    owner_id: uuid.UUID | None,
    now: datetime,
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "course_id": course_id,
        "unit_id": unit_id,
        "position": position,
        "source_key": module.module_id,
        "title": module.title,
        "body_markdown": module.body_markdown,
        "objectives": module.objectives,
        "key_terms": module.key_terms,
        "status": LessonStatus.PUBLISHED,
        "version": 1,
        "published_at": now,
        "created_at": now,
        "updated_at": now,
        "updated_by": owner_id,
    }


async def _write_versions(
    session: AsyncSession, lessons: list[dict[str, Any]], owner_id: uuid.UUID | None, source: str
) -> None:
    """Snapshot every lesson that was created or whose content changed."""
    rows = [
        {
            "id": uuid.uuid4(),
            "lesson_id": row["id"],
            "version": row["version"],
            "title": row["title"],
            "body_markdown": row["body_markdown"],
            "objectives": row["objectives"],
            "status": row["status"],
            "author_id": owner_id,
            "change_note": f"Imported from {source}",
            "created_at": row["updated_at"],
        }
        for row in lessons
    ]
    for chunk in _chunks(rows):
        await session.execute(insert(LessonVersion).values(chunk).on_conflict_do_nothing())


async def _upsert_items(
    session: AsyncSession,
    course_id: uuid.UUID,
    collection: ParsedCollection,
    lesson_ids: dict[str, uuid.UUID],
) -> int:
    """Upsert every exercise (rewriting only rows that differ) and delete the ones that vanished."""
    rows = _item_rows(course_id, collection, lesson_ids)
    for chunk in _chunks(rows):
        statement = insert(AssessmentItem).values(chunk)
        current = tuple_(*(getattr(AssessmentItem, name) for name in _ITEM_FIELDS))
        incoming = tuple_(*(statement.excluded[name] for name in _ITEM_FIELDS))
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[AssessmentItem.lesson_id, AssessmentItem.source_key],
                set_={name: statement.excluded[name] for name in _ITEM_FIELDS},
                where=current.is_distinct_from(incoming),
            )
        )
    keep = {(row["lesson_id"], row["source_key"]) for row in rows}
    stored = await session.execute(
        select(AssessmentItem.id, AssessmentItem.lesson_id, AssessmentItem.source_key).where(
            AssessmentItem.course_id == course_id, AssessmentItem.source_key.is_not(None)
        )
    )
    stale = [item_id for item_id, lesson_id, key in stored if (lesson_id, key) not in keep]
    for chunk in _chunks(stale):
        await session.execute(delete(AssessmentItem).where(AssessmentItem.id.in_(chunk)))
    return len(rows)


def _item_rows(
    course_id: uuid.UUID, collection: ParsedCollection, lesson_ids: dict[str, uuid.UUID]
) -> list[dict[str, Any]]:
    modules = {m.module_id: m for chapter in collection.chapters for m in chapter.modules}
    return [
        {
            "id": uuid.uuid4(),
            "course_id": course_id,
            "lesson_id": lesson_ids[module_id],
            "source_key": exercise.source_key,
            "kind": exercise.kind,
            "prompt": exercise.prompt,
            "options": exercise.options,
            "answer": exercise.answer,
            "solution": exercise.solution,
            "position": position,
        }
        for module_id, module in modules.items()
        for position, exercise in enumerate(module.exercises)
    ]


async def _delete_stale(
    session: AsyncSession,
    table: type[Lesson] | type[Unit],
    course_id: uuid.UUID,
    keep: set[uuid.UUID],
) -> None:
    """Delete the course's imported rows (those with a source key) that this import did not keep."""
    stored = await session.scalars(
        select(table.id).where(table.course_id == course_id, table.source_key.is_not(None))
    )
    stale = [row_id for row_id in stored if row_id not in keep]
    for chunk in _chunks(stale):
        await session.execute(delete(table).where(table.id.in_(chunk)))


def _chunks(rows: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), CHUNK_ROWS):
        yield rows[start : start + CHUNK_ROWS]
