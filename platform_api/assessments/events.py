"""Events the assessments domain publishes through the outbox, and their payloads.

Payloads carry a ``schema_version``: subscribers outside this codebase (webhooks, analytics)
read them, so a change that is not backward compatible gets a new version, never a silent edit.
"""

import uuid
from typing import Literal

from pydantic import AwareDatetime, BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.outbox import add_event

SITTING_STARTED = "assessment.sitting_started"
SITTING_SUBMITTED = "assessment.sitting_submitted"
ANSWER_GRADED = "assessment.answer_graded"
ASSESSMENT_GRADED = "assessment.graded"


class SittingStarted(BaseModel):
    schema_version: Literal[1] = 1
    sitting_id: uuid.UUID
    assignment_id: uuid.UUID
    learner_id: uuid.UUID
    course_id: uuid.UUID
    is_exam: bool
    requires_proctoring: bool
    started_at: AwareDatetime
    deadline_at: AwareDatetime | None


class SittingSubmitted(BaseModel):
    """A sitting ended (by the learner or at its deadline); grading starts from this event."""

    schema_version: Literal[1] = 1
    sitting_id: uuid.UUID
    assignment_id: uuid.UUID
    learner_id: uuid.UUID
    course_id: uuid.UUID
    submitted_at: AwareDatetime
    auto_submitted: bool


class AnswerGraded(BaseModel):
    """One response received a grade (first grade or a later revision)."""

    schema_version: Literal[1] = 1
    response_id: uuid.UUID
    sitting_id: uuid.UUID
    assignment_id: uuid.UUID
    learner_id: uuid.UUID
    course_id: uuid.UUID
    item_id: uuid.UUID
    item_version: int
    objective_id: uuid.UUID | None
    grade_version: int
    points: float
    max_points: float
    correct: bool
    source: Literal["rule", "llm", "teacher"]
    answered_at: AwareDatetime
    graded_at: AwareDatetime
    time_spent_ms: int | None


class AssessmentGraded(BaseModel):
    """Every answer of a sitting is graded: its aggregated grade (once per sitting and grade)."""

    schema_version: Literal[1] = 1
    sitting_id: uuid.UUID
    assignment_id: uuid.UUID
    assignment_title: str
    learner_id: uuid.UUID
    course_id: uuid.UUID
    class_id: uuid.UUID
    score: float
    max_score: float
    graded_at: AwareDatetime
    # 1 when grading completes; each teacher revision of a graded sitting publishes the next.
    # Exactly one event per (sitting_id, grade_version). Added with a default: old readers and
    # old payloads stay valid.
    grade_version: int = 1


def record(session: AsyncSession, event_type: str, payload: BaseModel) -> None:
    """Add one of this module's events to the caller's transaction."""
    add_event(session, event_type, payload.model_dump(mode="json"))
