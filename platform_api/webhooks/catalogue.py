"""The events a webhook can subscribe to: each one's public, versioned payload schema and who may
receive it.

A course-scoped event goes to admins' subscriptions and to those of the school that owns the
course (the owner of its curriculum, or of the course itself); a platform-wide event (a model
promoted, an account erased, a badge, which belongs to no course) only to admins'. The payload a
subscriber gets is the event's model validated from the outbox payload, so fields the platform
keeps for itself (a content job's own webhook URL, an erased account's object keys) never leave.
"""

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel

from pipelines.promote.events import (
    MODEL_PROMOTED,
    MODEL_REJECTED,
    MODEL_ROLLED_BACK,
    ModelDecided,
    ModelRolledBack,
)
from platform_api.assessments.events import (
    ASSESSMENT_GRADED,
    SITTING_SUBMITTED,
    AssessmentGraded,
    SittingSubmitted,
)
from platform_api.content.events import JOB_FINISHED, JobOutcome
from platform_api.proctor.review.events import PROCTOR_REVIEWED, ProctorReviewed
from platform_api.progress.events import (
    BADGE_AWARDED,
    LESSON_COMPLETED,
    BadgeAwarded,
    LessonProgressed,
)
from platform_api.users.service import USER_ERASED

PING = "webhook.ping"


class Scope(StrEnum):
    COURSE = "course"
    PLATFORM = "platform"


class UserErased(BaseModel):
    """An account and everything of it was erased; receivers erase what they hold of it."""

    schema_version: Literal[1] = 1
    user_id: uuid.UUID


class Ping(BaseModel):
    """Sent on request to one subscription, to test the receiver."""

    schema_version: Literal[1] = 1
    subscription_id: uuid.UUID


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    data: type[BaseModel]
    scope: Scope

    def course_of(self, data: BaseModel) -> uuid.UUID | None:
        """The course a course-scoped event is about (None: admins' subscriptions only)."""
        course_id = getattr(data, "course_id", None) if self.scope is Scope.COURSE else None
        return course_id if isinstance(course_id, uuid.UUID) else None

    def schema(self) -> dict[str, Any]:
        return self.data.model_json_schema()


EVENT_TYPES: dict[str, EventType] = {
    event.name: event
    for event in (
        EventType(
            ASSESSMENT_GRADED,
            "Every answer of a sitting is graded (again on a teacher's revision).",
            AssessmentGraded,
            Scope.COURSE,
        ),
        EventType(SITTING_SUBMITTED, "A sitting ended.", SittingSubmitted, Scope.COURSE),
        EventType(
            LESSON_COMPLETED, "A learner completed a lesson.", LessonProgressed, Scope.COURSE
        ),
        EventType(BADGE_AWARDED, "A learner earned a badge.", BadgeAwarded, Scope.PLATFORM),
        EventType(JOB_FINISHED, "A content generation job ended.", JobOutcome, Scope.COURSE),
        EventType(
            PROCTOR_REVIEWED, "A proctored sitting was reviewed.", ProctorReviewed, Scope.COURSE
        ),
        EventType(MODEL_PROMOTED, "A model became champion.", ModelDecided, Scope.PLATFORM),
        EventType(MODEL_REJECTED, "A candidate model was rejected.", ModelDecided, Scope.PLATFORM),
        EventType(
            MODEL_ROLLED_BACK, "The champion was rolled back.", ModelRolledBack, Scope.PLATFORM
        ),
        EventType(USER_ERASED, "An account was erased.", UserErased, Scope.PLATFORM),
        EventType(
            PING, "A test delivery asked for by the subscription's owner.", Ping, Scope.PLATFORM
        ),
    )
}
# Subscribable types (a ping goes to the one subscription it was asked for, never by type).
SUBSCRIBABLE = sorted(name for name in EVENT_TYPES if name != PING)
