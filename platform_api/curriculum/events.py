"""Events the curriculum domain publishes (through the outbox)."""

import uuid

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from platform_api.infra.outbox import add_event

LESSON_PUBLISHED = "curriculum.lesson_published"


class LessonPublished(BaseModel):
    lesson_id: uuid.UUID
    course_id: uuid.UUID
    version: int
    title: str


def record_lesson_published(session: AsyncSession, event: LessonPublished) -> None:
    add_event(session, LESSON_PUBLISHED, event.model_dump(mode="json"))
