"""PostgreSQL's side of the build: teacher-approved generated items, the tutor's flags, and the
stored exercises the leak re-check compares answers with.

A generated item belongs to the lesson a content topic produced; the topic's ``review_status``
turns ``approved`` when a reviewer approves that lesson (its items with it). The tables are the
platform's (``platform_api.content.models``); the web layer is not imported here, so they are
read with SQL.
"""

from collections.abc import Collection
from typing import Any

from sqlalchemy import text

from core.infra.database import Database
from pipelines.datasets.collected import Collected
from pipelines.datasets.config import Source
from pipelines.datasets.exercise_text import answer_text, question_text
from pipelines.datasets.prompts import WORKED_SOLUTION
from pipelines.datasets.rows import chat_row

APPROVED_ITEMS = text(
    """
    SELECT i.id::text AS id, i.course_id::text AS course_id, i.prompt, i.options, i.answer,
           i.solution, i.details
    FROM assessment_items AS i
    JOIN content_topics AS t ON t.lesson_id = i.lesson_id
    WHERE t.review_status = 'approved'
    ORDER BY i.id
    """
)
FLAGGED_TURNS = text("SELECT turn_id::text FROM tutor_flags")
COURSE_EXERCISES = text(
    """
    SELECT course_id::text AS course_id, prompt, options, answer, solution
    FROM assessment_items
    ORDER BY id
    """
)


async def collect_approved_items(database: Database) -> Collected:
    """Each approved item as a question (stem and options) and its explanation (key, then the
    rationale or rubric); grouped by course."""
    collected = Collected()
    async with database.session() as session:
        items = (await session.execute(APPROVED_ITEMS)).mappings().all()
    for item in items:
        options = item["options"] or []
        details: dict[str, Any] = item["details"] or {}
        unit = details.get("unit", "")
        answer = answer_text(item["answer"], item["solution"] or "", options, unit)
        if not answer:
            collected.dropped["no_answer"] += 1
            continue
        collected.rows.append(
            chat_row(
                Source.GENERATED_ITEM,
                group=item["course_id"],
                row_id=item["id"],
                system=WORKED_SOLUTION,
                user=question_text(item["prompt"], options),
                answer=answer,
            )
        )
    return collected


async def flagged_turns(database: Database) -> Collection[str]:
    async with database.session() as session:
        return frozenset((await session.scalars(FLAGGED_TURNS)).all())


async def stored_exercises(database: Database) -> list[dict[str, Any]]:
    """Every stored exercise (imported or generated) with its key: what a Socratic answer about
    it must not give away."""
    async with database.session() as session:
        return [dict(row) for row in (await session.execute(COURSE_EXERCISES)).mappings().all()]
