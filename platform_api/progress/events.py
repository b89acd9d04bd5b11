"""Events the progress domain publishes through the outbox, and their payloads.

Lesson events come from the learner (``POST /api/v1/progress/lessons/{id}``); ``badge.awarded``
from the badge evaluator when, and only when, it inserted the award. Payloads carry a
``schema_version`` like the assessment events: webhook subscribers read them too.
"""

import uuid
from typing import Literal

from pydantic import AwareDatetime, BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.outbox import add_event

LESSON_VIEWED = "lesson.viewed"
LESSON_COMPLETED = "lesson.completed"
BADGE_AWARDED = "badge.awarded"

LessonEvent = Literal["viewed", "completed"]
LESSON_EVENT_TYPES: dict[str, str] = {"viewed": LESSON_VIEWED, "completed": LESSON_COMPLETED}


class LessonProgressed(BaseModel):
    """A learner viewed or completed a lesson."""

    schema_version: Literal[1] = 1
    learner_id: uuid.UUID
    lesson_id: uuid.UUID
    course_id: uuid.UUID
    lesson_title: str
    occurred_at: AwareDatetime


class BadgeAwarded(BaseModel):
    schema_version: Literal[1] = 1
    learner_id: uuid.UUID
    badge: str
    title: str
    awarded_at: AwareDatetime


def record(session: AsyncSession, event_type: str, payload: BaseModel) -> None:
    """Add one of this module's events to the caller's transaction."""
    add_event(session, event_type, payload.model_dump(mode="json"))
