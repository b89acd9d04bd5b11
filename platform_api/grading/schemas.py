"""Request and response models of the grading queue, overrides and disputes."""

import enum
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from platform_api.assessments.models import GradeSource, GradingStatus, SittingStatus

MAX_POINTS = 1000.0
Reason = Annotated[str, Field(min_length=1, max_length=2000)]


class QueueFilter(enum.StrEnum):
    """What a teacher reviews: answers held for review (low confidence or disputed), answers
    whose grading step dead-lettered, or both."""

    NEEDS_REVIEW = "needs_review"
    DISPUTED = "disputed"
    DELAYED = "delayed"
    ALL = "all"


class GradeOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")

    points: float = Field(ge=0, le=MAX_POINTS, description="At most the answer's max points.")
    reason: Reason = Field(description="Why: kept with the revision and shown to the learner.")


class DisputeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason


class RevisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    source: GradeSource
    points: float
    max_points: float
    rubric_scores: list[dict[str, Any]]
    justification: str
    confidence: float | None
    model_name: str | None
    graded_by: uuid.UUID | None
    reason: str
    created_at: datetime


class ResponseGradeOut(BaseModel):
    """An answer's current grade and the sitting's state after a change."""

    response_id: uuid.UUID
    sitting_id: uuid.UUID
    grading_status: GradingStatus
    points: float | None
    max_points: float
    correct: bool | None
    grade_version: int
    sitting_status: SittingStatus
    sitting_score: float | None
    sitting_max_score: float | None


class QueueEntry(BaseModel):
    response_id: uuid.UUID
    sitting_id: uuid.UUID
    assignment_id: uuid.UUID
    class_id: uuid.UUID
    learner_id: uuid.UUID
    item_id: uuid.UUID
    item_version: int
    question: str
    answer: str
    model_answer: str
    rubric: list[str]
    grading_status: GradingStatus
    points: float | None
    max_points: float
    grade_version: int
    justification: str = Field(description="The latest grade's justification (the LLM's).")
    confidence: float | None
    disputed_at: datetime | None
    dispute_reason: str | None
    answered_at: datetime


class QueuePage(BaseModel):
    items: list[QueueEntry]
    total: int
    limit: int
    offset: int
