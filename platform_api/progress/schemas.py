"""Request and response models of the progress domain."""

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from platform_api.progress.events import LessonEvent


class LessonProgressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event: LessonEvent = Field(description="`viewed` when opened, `completed` when finished.")


class CourseCompletion(BaseModel):
    course_id: uuid.UUID
    title: str
    lessons_published: int
    lessons_completed: int
    completion: float = Field(description="Completed share of the published lessons (0..1).")


class StreakOut(BaseModel):
    current_days: int
    longest_days: int = Field(description="Longest streak within the last 400 days.")
    last_active_on: date | None = Field(description="A date in the learner's time zone.")
    time_zone: str


class BadgeOut(BaseModel):
    id: str
    title: str
    awarded_at: datetime


class GradeOut(BaseModel):
    sitting_id: uuid.UUID
    assignment_id: uuid.UUID | None
    assignment_title: str | None
    score: float
    max_score: float | None
    graded_at: datetime | None


class LearnerProgress(BaseModel):
    learner_id: uuid.UUID
    courses: list[CourseCompletion]
    streak: StreakOut
    badges: list[BadgeOut]
    recent_grades: list[GradeOut]


class StatementPage(BaseModel):
    """xAPI 1.0.3 statements, newest first."""

    statements: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


class LeaderboardEntry(BaseModel):
    rank: int
    name: str = Field(description="Display name; first name only for learners under 13.")
    points: float
    is_you: bool


class Leaderboard(BaseModel):
    class_id: uuid.UUID
    week: str = Field(description="ISO week, e.g. 2026-W10 (weeks begin Monday 00:00 UTC).")
    starts_at: datetime
    ends_at: datetime
    entries: list[LeaderboardEntry]


class LearnerRef(BaseModel):
    id: uuid.UUID
    display_name: str


class MasteryCell(BaseModel):
    objective_id: uuid.UUID
    learner_id: uuid.UUID
    p_known: float | None = Field(description="BKT estimate; null before any graded answer.")
    answers: int
    correct: int


class ObjectiveRef(BaseModel):
    id: uuid.UUID
    course_id: uuid.UUID
    lesson_id: uuid.UUID
    text: str


class WrongItem(BaseModel):
    item_id: uuid.UUID
    lesson_id: uuid.UUID | None
    prompt: str
    wrong: int
    answers: int


class InactiveLearner(BaseModel):
    learner_id: uuid.UUID
    display_name: str
    last_active_at: datetime | None


class LearnerCompletion(BaseModel):
    learner_id: uuid.UUID
    course_id: uuid.UUID
    lessons_completed: int
    completion: float


class ClassDashboard(BaseModel):
    class_id: uuid.UUID
    learners: list[LearnerRef]
    objectives: list[ObjectiveRef] = Field(description="Objectives with any data in the class.")
    mastery: list[MasteryCell] = Field(description="Objective × learner cells that have data.")
    most_wrong_items: list[WrongItem]
    inactive_learners: list[InactiveLearner]
    inactive_after_days: int
    completion: list[LearnerCompletion]
    lessons_published: dict[uuid.UUID, int] = Field(description="Per course of the class.")
