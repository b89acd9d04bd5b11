"""Loads the demo course once (idempotent by its source key) and indexes it for the tutor."""

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
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
from platform_api.mastery.objectives import sync_lesson_objectives
from rag.ingest import ingest_course

DEMO_FILE = Path(__file__).parent / "content" / "water-cycle.json"


async def prepare_demo_course(database: Database) -> uuid.UUID:
    """The demo course, loaded and its lessons chunked and embedded, so that the tutor and
    content generation find its material; returns its id. Incremental: on a later start only a
    lesson that changed is embedded again."""
    async with database.session() as session:
        course_id = (await load_demo_course(session)).id
    await ingest_course(database, course_id)
    return course_id


async def load_demo_course(session: AsyncSession, owner_id: uuid.UUID | None = None) -> Course:
    """Create the demo course unless it exists; return it."""
    spec: dict[str, Any] = json.loads(DEMO_FILE.read_text())
    existing = await session.scalar(select(Course).where(Course.source_key == spec["source_key"]))
    if existing is not None:
        return existing
    curriculum = Curriculum(owner_id=owner_id, **spec["curriculum"])
    session.add(curriculum)
    await session.flush()
    course = Course(
        curriculum_id=curriculum.id,
        owner_id=owner_id,
        source_key=spec["source_key"],
        **spec["course"],
    )
    session.add(course)
    await session.flush()
    for position, unit_spec in enumerate(spec["units"]):
        unit = Unit(course_id=course.id, title=unit_spec["title"], position=position)
        session.add(unit)
        await session.flush()
        for lesson_position, lesson_spec in enumerate(unit_spec["lessons"]):
            await _add_lesson(session, course, unit, lesson_position, lesson_spec)
    await session.commit()
    return course


async def _add_lesson(
    session: AsyncSession, course: Course, unit: Unit, position: int, spec: dict[str, Any]
) -> None:
    lesson = Lesson(
        id=uuid.uuid4(),
        course_id=course.id,
        unit_id=unit.id,
        title=spec["title"],
        body_markdown=spec["body_markdown"],
        objectives=spec["objectives"],
        key_terms=spec["key_terms"],
        assets=[],
        position=position,
        status=LessonStatus.PUBLISHED,
        version=1,
        source_key=spec["key"],
        published_at=datetime.now(UTC),
    )
    session.add(lesson)
    await sync_lesson_objectives(session, lesson)  # flushes it
    session.add(
        LessonVersion(
            lesson_id=lesson.id,
            version=1,
            title=lesson.title,
            body_markdown=lesson.body_markdown,
            objectives=lesson.objectives,
            status=lesson.status,
            change_note="demo content",
        )
    )
    for item_position, item in enumerate(spec["items"]):
        session.add(
            AssessmentItem(
                lesson_id=lesson.id,
                course_id=course.id,
                kind=ItemKind(item["kind"]),
                prompt=item["prompt"],
                options=item.get("options", []),
                answer=item["answer"],
                solution=item["solution"],
                position=item_position,
                source_key=f"{spec['key']}#{item_position}",
            )
        )
