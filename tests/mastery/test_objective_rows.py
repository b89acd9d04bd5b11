"""Learning-objective rows for lessons written before mastery existed (migration 0009) and for
imported OpenStax lessons."""

import asyncio
import uuid
from pathlib import Path

from alembic import command
from sqlalchemy import func, select, text

from core.curriculum.models import LearningObjective, Lesson
from core.infra.database import Database
from platform_api.openstax.service import import_openstax_source
from platform_api.schema import alembic_config
from tests.openstax.books import small_book


async def _insert_lesson(database: Database, title: str, objectives: str) -> uuid.UUID:
    """A lesson as 0008 knew them: no objective rows (raw SQL, as the models are newer)."""
    lesson_id = uuid.uuid4()
    async with database.engine.begin() as connection:
        course_id = await connection.scalar(text("SELECT id FROM courses LIMIT 1"))
        if course_id is None:
            curriculum_id, course_id = uuid.uuid4(), uuid.uuid4()
            await connection.execute(
                text(
                    "INSERT INTO curricula (id, title, description, created_at) "
                    "VALUES (:id, 'C', '', now())"
                ),
                {"id": curriculum_id},
            )
            await connection.execute(
                text(
                    "INSERT INTO courses (id, curriculum_id, title, description, created_at) "
                    "VALUES (:id, :curriculum, 'Course', '', now())"
                ),
                {"id": course_id, "curriculum": curriculum_id},
            )
            await connection.execute(
                text(
                    "INSERT INTO units (id, course_id, title, position) "
                    "VALUES (:id, :course, 'U', 0)"
                ),
                {"id": uuid.uuid4(), "course": course_id},
            )
        unit_id = await connection.scalar(text("SELECT id FROM units LIMIT 1"))
        await connection.execute(
            text(
                "INSERT INTO lessons (id, course_id, unit_id, title, body_markdown, objectives, "
                "key_terms, assets, position, status, version, created_at, updated_at) VALUES "
                "(:id, :course, :unit, :title, '', CAST(:objectives AS jsonb), '[]', '[]', 0, "
                "'draft', 1, now(), now())"
            ),
            {
                "id": lesson_id,
                "course": course_id,
                "unit": unit_id,
                "title": title,
                "objectives": objectives,
            },
        )
    return lesson_id


async def test_migration_0009_backfills_objectives_of_existing_lessons(database: Database) -> None:
    config = alembic_config(database.url)
    await asyncio.to_thread(command.downgrade, config, "0008")
    listed = await _insert_lesson(database, "Friction", '["Explain friction", "Measure it"]')
    bare = await _insert_lesson(database, "Drag", "[]")
    await asyncio.to_thread(command.upgrade, config, "head")
    async with database.session() as session:
        rows = await session.execute(
            select(
                LearningObjective.lesson_id, LearningObjective.position, LearningObjective.text
            ).order_by(LearningObjective.text)
        )
        assert sorted(tuple(row) for row in rows) == sorted(
            [(listed, 0, "Explain friction"), (listed, 1, "Measure it"), (bare, 0, "Drag")]
        )


async def test_openstax_import_gives_every_lesson_its_objectives(
    database: Database, tmp_path: Path
) -> None:
    async with database.session() as session:
        await import_openstax_source(session, small_book(tmp_path), None)
        lessons = list(await session.scalars(select(Lesson)))
        counts = dict(
            tuple(row)  # type: ignore[misc]
            for row in await session.execute(
                select(LearningObjective.lesson_id, func.count()).group_by(
                    LearningObjective.lesson_id
                )
            )
        )
    assert lessons
    for lesson in lessons:
        assert counts[lesson.id] == max(len(lesson.objectives), 1)
