"""Events the curriculum domain publishes (through the outbox)."""

import uuid

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.outbox import add_event

LESSON_PUBLISHED = "curriculum.lesson_published"


class LessonPublished(BaseModel):
    lesson_id: uuid.UUID
    course_id: uuid.UUID
    version: int
    title: str


def record_lesson_published(session: AsyncSession, event: LessonPublished) -> None:
    add_event(session, LESSON_PUBLISHED, event.model_dump(mode="json"))


COURSE_IMPORTED = "curriculum.course_imported"


class CourseImported(BaseModel):
    """A whole course was (re-)imported; its lessons are published. Consumers re-read it."""

    course_id: uuid.UUID
    source_key: str
    lessons: int


def record_course_imported(session: AsyncSession, event: CourseImported) -> None:
    add_event(session, COURSE_IMPORTED, event.model_dump(mode="json"))


LESSON_DELETED = "curriculum.lesson_deleted"
COURSE_DELETED = "curriculum.course_deleted"


def record_deleted(session: AsyncSession, event_type: str, payload: dict[str, str]) -> None:
    """``LESSON_DELETED`` / ``COURSE_DELETED``: consumers drop what they derived from it."""
    add_event(session, event_type, payload)
