"""Learning objectives as rows: synced from each lesson's ``objectives`` strings, and the
objective an item assesses.

A lesson's objectives are kept as ordered strings on the lesson (what authors and the importer
edit); mastery needs them as rows with ids. ``sync_objectives`` makes the rows match the strings
by position after every write of a lesson. A lesson without objectives gets one objective named
after its title, so every item maps to some objective. An edit that rewords the objective at a
position keeps its id (and learners' mastery of it); one that removes positions deletes those
objectives, and with them their mastery states (items pointing at them fall back to the lesson's
first objective).
"""

import uuid
from collections.abc import Iterable

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from core.curriculum.models import AssessmentItem, LearningObjective, Lesson

# One statement for any number of lessons; migration 0009 runs the same SQL over every lesson.
_UPSERT = text(
    """
    INSERT INTO learning_objectives (id, course_id, lesson_id, position, text)
    SELECT gen_random_uuid(), l.id_course, l.id, o.ordinality - 1, o.value
    FROM (
        SELECT id, course_id AS id_course,
               CASE WHEN jsonb_typeof(objectives) = 'array' AND jsonb_array_length(objectives) > 0
                    THEN objectives ELSE jsonb_build_array(title) END AS wanted
        FROM lessons WHERE id = ANY(:lesson_ids)
    ) AS l
    CROSS JOIN LATERAL jsonb_array_elements_text(l.wanted) WITH ORDINALITY AS o(value, ordinality)
    ON CONFLICT (lesson_id, position) DO UPDATE
        SET text = EXCLUDED.text, course_id = EXCLUDED.course_id
        WHERE learning_objectives.text IS DISTINCT FROM EXCLUDED.text
           OR learning_objectives.course_id IS DISTINCT FROM EXCLUDED.course_id
    """
).bindparams(bindparam("lesson_ids", type_=ARRAY(UUID(as_uuid=True))))

_DELETE_STALE = text(
    """
    DELETE FROM learning_objectives AS lo
    USING lessons AS l
    WHERE lo.lesson_id = l.id AND l.id = ANY(:lesson_ids)
      AND lo.position >= CASE
            WHEN jsonb_typeof(l.objectives) = 'array' AND jsonb_array_length(l.objectives) > 0
            THEN jsonb_array_length(l.objectives) ELSE 1 END
    """
).bindparams(bindparam("lesson_ids", type_=ARRAY(UUID(as_uuid=True))))


async def sync_objectives(session: AsyncSession, lesson_ids: Iterable[uuid.UUID]) -> None:
    """Make the lessons' LearningObjective rows match their ``objectives`` strings (in the
    caller's transaction; pending ORM changes to the lessons are flushed first)."""
    ids = list(lesson_ids)
    if not ids:
        return
    await session.flush()
    await session.execute(_DELETE_STALE, {"lesson_ids": ids})
    await session.execute(_UPSERT, {"lesson_ids": ids})


async def sync_lesson_objectives(session: AsyncSession, lesson: Lesson) -> None:
    """``sync_objectives`` for one lesson being written in the session (flushed first, so a
    new lesson has its id and row)."""
    await session.flush()
    await sync_objectives(session, [lesson.id])


def objective_id_expression() -> ColumnElement[uuid.UUID]:
    """SQL for the objective of an ``assessment_items`` row: its own, else its lesson's first.

    Shared by ``objective_of``'s callers' bulk queries (fitting, calibration), so an item maps
    to the same objective everywhere.
    """
    first_of_lesson = (
        select(LearningObjective.id)
        .where(LearningObjective.lesson_id == AssessmentItem.lesson_id)
        .order_by(LearningObjective.position)
        .limit(1)
        .correlate(AssessmentItem)
        .scalar_subquery()
    )
    return func.coalesce(AssessmentItem.objective_id, first_of_lesson)


async def objective_of(session: AsyncSession, item: AssessmentItem) -> LearningObjective | None:
    """The objective an item assesses: ``item.objective_id``, else its lesson's first objective
    (created from the lesson when missing, so every item maps somewhere; None only when the
    item's lesson no longer exists)."""
    if item.objective_id is not None:
        own = await session.get(LearningObjective, item.objective_id)
        if own is not None:
            return own
    first = await _first_objective(session, item.lesson_id)
    if first is None:
        await sync_objectives(session, [item.lesson_id])
        first = await _first_objective(session, item.lesson_id)
    return first  # None only when the item's lesson is gone


async def _first_objective(session: AsyncSession, lesson_id: uuid.UUID) -> LearningObjective | None:
    return await session.scalar(
        select(LearningObjective)
        .where(LearningObjective.lesson_id == lesson_id)
        .order_by(LearningObjective.position)
        .limit(1)
    )
