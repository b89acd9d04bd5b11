"""A job's output for other systems: QTI 2.1 (items, a zip an LMS imports), JSON, Markdown.

Items are exported as they stand now: a reviewer's edits to the stem, options or key are taken
over the structure the model generated (rationales, tolerance, rubric).
"""

import json
import uuid
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agents.content.schemas import QuizItem
from core.curriculum.models import AssessmentItem, Lesson
from core.errors import Conflict
from platform_api.content.models import ContentJob, ContentTopic
from platform_api.content.qti import QtiItem, qti_package
from platform_api.content.store import OPTION_LABELS

_QUIZ_ITEM: TypeAdapter[Any] = TypeAdapter(QuizItem)


async def job_lessons(
    session: AsyncSession, job: ContentJob
) -> list[tuple[Lesson, list[AssessmentItem]]]:
    lessons = await session.scalars(
        select(Lesson)
        .join(ContentTopic, ContentTopic.lesson_id == Lesson.id)
        .where(ContentTopic.job_id == job.id)
        .order_by(ContentTopic.row)
    )
    found = []
    for lesson in lessons:
        items = await session.scalars(
            select(AssessmentItem)
            .where(AssessmentItem.lesson_id == lesson.id)
            .order_by(AssessmentItem.position)
        )
        found.append((lesson, list(items)))
    return found


def current_question(item: AssessmentItem) -> Any:
    """The generated structure with the item's current stem, options and key laid over it."""
    details: dict[str, Any] = dict(item.details or {})
    details["stem"] = item.prompt
    if details.get("kind") == "multiple_choice" and item.options:
        rationales = [o.get("rationale", "") for o in details.get("options", [])]
        details["options"] = [
            {"text": option["text"], "rationale": rationales[i] if i < len(rationales) else ""}
            for i, option in enumerate(item.options)
        ]
        if item.answer and item.answer in OPTION_LABELS:
            details["key"] = OPTION_LABELS.index(item.answer)
    return _QUIZ_ITEM.validate_python(details)


def qti_export(lessons: list[tuple[Lesson, list[AssessmentItem]]], title: str) -> bytes:
    items = [
        QtiItem(
            identifier=f"item-{item.id}",
            title=f"{lesson.title} ({position + 1})"[:200],
            item=current_question(item),
            hints=tuple(item.hints),
        )
        for lesson, lesson_items in lessons
        for position, item in enumerate(lesson_items)
        if item.details
    ]
    if not items:
        raise Conflict("This job has no items to export yet.", {"format": "qti"})
    return qti_package(items, title)


def json_export(lessons: list[tuple[Lesson, list[AssessmentItem]]]) -> bytes:
    payload = [
        {
            "lesson_id": str(lesson.id),
            "lesson_title": lesson.title,
            "objectives": lesson.objectives,
            "items": [
                {
                    "id": str(item.id),
                    "kind": item.kind.value,
                    "version": item.version,
                    "question": current_question(item).model_dump(mode="json")
                    if item.details
                    else None,
                    "hints": item.hints,
                    "verdicts": item.verdicts,
                }
                for item in items
            ],
        }
        for lesson, items in lessons
    ]
    return json.dumps(payload, indent=2, ensure_ascii=False).encode()


def markdown_export(lessons: list[tuple[Lesson, list[AssessmentItem]]]) -> bytes:
    parts = []
    for lesson, _ in lessons:
        objectives = "\n".join(f"- {objective}" for objective in lesson.objectives)
        parts.append(
            f"# {lesson.title}\n\n**Objectives**\n\n{objectives}\n\n{lesson.body_markdown}"
        )
    return ("\n\n---\n\n".join(parts) + "\n").encode()


def export_filename(job_id: uuid.UUID, extension: str) -> str:
    return f"content-job-{job_id}.{extension}"
