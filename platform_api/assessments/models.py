"""Tables of the assessments domain: assignments, sittings, responses and their grades.

Items and their versions live in ``core.curriculum.models``; a response points at the item
version the learner saw, so editing an item (a new version) never changes an answered one.
"""

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.infra.database import Base, utcnow, value_enum


class AssignmentKind(enum.StrEnum):
    HOMEWORK = "homework"
    EXAM = "exam"


class FeedbackTiming(enum.StrEnum):
    """When a learner sees correctness and points."""

    IMMEDIATE = "immediate"  # as soon as an answer is graded
    AFTER_DUE = "after_due"  # once the due date (or the exam window) has passed
    AFTER_GRADING = "after_grading"  # once the whole sitting is graded


class Assignment(Base):
    """Homework or an exam given to a class; its items are ``assignment_items``."""

    __tablename__ = "assignments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    class_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("classes.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    kind: Mapped[AssignmentKind] = mapped_column(value_enum(AssignmentKind, "assignment_kind"))
    title: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    # Homework: due_at. Exams: a window [opens_at, closes_at] and a duration per sitting.
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=1)
    feedback_timing: Mapped[FeedbackTiming] = mapped_column(
        value_enum(FeedbackTiming, "feedback_timing"), default=FeedbackTiming.AFTER_GRADING
    )
    # Seeds each learner's item and option order (with the learner id), so it is reproducible.
    shuffle_seed: Mapped[int] = mapped_column(BigInteger, default=0)
    requires_proctoring: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AssignmentItem(Base):
    __tablename__ = "assignment_items"

    assignment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assessment_items.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    points: Mapped[float] = mapped_column(Float, default=1.0)


class Accommodation(Base):
    """One learner's exception to an assignment: extra time and/or another window."""

    __tablename__ = "accommodations"

    assignment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    learner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    extra_seconds: Mapped[int] = mapped_column(Integer, default=0)
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(String(500), default="")
    granted_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SittingStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    GRADING = "grading"  # submitted; some answers are not graded yet
    NEEDS_REVIEW = "needs_review"  # waiting for a teacher (low confidence or a dispute)
    GRADED = "graded"
    GRADING_DELAYED = "grading_delayed"  # a grading step dead-lettered; an operator must look


class ExamSitting(Base):
    """A learner's attempt at an assignment; open (answers accepted) while ``ended_at`` is null.

    The tutor refuses help while a sitting of an exam (``is_exam``) is open in the course.
    """

    __tablename__ = "exam_sittings"
    __table_args__ = (
        Index("ix_exam_sittings_open", "learner_id", "course_id", "ended_at"),
        # One open exam sitting per learner, whichever exam: a second concurrent one is refused.
        Index(
            "uq_exam_sittings_one_open_exam",
            "learner_id",
            unique=True,
            postgresql_where=text("ended_at IS NULL AND is_exam"),
        ),
        UniqueConstraint("assignment_id", "learner_id", "attempt"),
        Index(
            "ix_exam_sittings_deadline", "deadline_at", postgresql_where=text("ended_at IS NULL")
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    learner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    assignment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    is_exam: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    attempt: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    status: Mapped[SittingStatus] = mapped_column(
        value_enum(SittingStatus, "sitting_status"),
        default=SittingStatus.IN_PROGRESS,
        server_default=SittingStatus.IN_PROGRESS.value,
    )
    # The order this learner sees: [{"item_id", "item_version", "option_order": [...]}, ...].
    layout: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The server's deadline (exam duration + accommodation); null means none.
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    auto_submitted: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    graded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SittingReopening(Base):
    """A teacher reopened a sitting after a technical failure: who, why, and the new deadline."""

    __tablename__ = "sitting_reopenings"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    sitting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exam_sittings.id", ondelete="CASCADE"), index=True
    )
    reopened_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(String(500))
    previous_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    new_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reopened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class GradingStatus(enum.StrEnum):
    PENDING = "pending"  # not graded yet (or being graded)
    GRADED = "graded"
    NEEDS_REVIEW = "needs_review"  # in the teacher's grading queue
    DELAYED = "delayed"  # its grading step dead-lettered


class GradeSource(enum.StrEnum):
    RULE = "rule"
    LLM = "llm"
    TEACHER = "teacher"


class Response(Base):
    """One learner's answer to one item in one sitting, and its current grade."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("sitting_id", "item_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    sitting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exam_sittings.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assessment_items.id", ondelete="CASCADE"), index=True
    )
    item_version: Mapped[int] = mapped_column(Integer)
    answer: Mapped[str] = mapped_column(Text)
    first_answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Time the learner spent on the item, as the client reports it (bounded), for analytics.
    time_spent_ms: Mapped[int | None] = mapped_column(Integer)
    grading_status: Mapped[GradingStatus] = mapped_column(
        value_enum(GradingStatus, "grading_status"), default=GradingStatus.PENDING
    )
    max_points: Mapped[float] = mapped_column(Float, default=1.0)
    points: Mapped[float | None] = mapped_column(Float)
    correct: Mapped[bool | None] = mapped_column(Boolean)
    graded_by: Mapped[GradeSource | None] = mapped_column(value_enum(GradeSource, "grade_source"))
    grade_version: Mapped[int] = mapped_column(Integer, default=0)
    graded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disputed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dispute_reason: Mapped[str | None] = mapped_column(String(2000))


class GradeRevision(Base):
    """Every grade a response received, in order: the rule's, the LLM's, each teacher override."""

    __tablename__ = "grade_revisions"
    __table_args__ = (UniqueConstraint("response_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    response_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[GradeSource] = mapped_column(value_enum(GradeSource, "grade_source"))
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    # Rubric lines with the points each earned: [{"criterion", "points", "max_points"}].
    rubric_scores: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    justification: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[float | None] = mapped_column(Float)
    model_name: Mapped[str | None] = mapped_column(String(200))
    graded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
