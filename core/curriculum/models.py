"""Tables of the curriculum domain."""

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from core.curriculum.question_words import stored_question_words
from core.infra.database import Base, utcnow, value_enum


class LessonStatus(enum.StrEnum):
    DRAFT = "draft"
    REVIEW = "review"
    PUBLISHED = "published"


class ItemKind(enum.StrEnum):
    MULTIPLE_CHOICE = "multiple_choice"
    FREE_RESPONSE = "free_response"
    NUMERIC = "numeric"
    SHORT_ANSWER = "short_answer"


class Curriculum(Base):
    __tablename__ = "curricula"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Course(Base):
    __tablename__ = "courses"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    curriculum_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("curricula.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Stable key of imported content (e.g. "openstax:col11562"); makes re-import idempotent.
    source_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    # The US school grade generated lessons aim at (a job may override it).
    reading_grade: Mapped[float] = mapped_column(Float, default=8.0, server_default="8")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("course_id", "source_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0)
    source_key: Mapped[str | None] = mapped_column(String(200))
    # The part of the book that groups this unit (an OpenStax unit above its chapters), if any;
    # consecutive units with the same title form one group in the outline.
    group_title: Mapped[str | None] = mapped_column(String(300))


class Lesson(Base):
    __tablename__ = "lessons"
    __table_args__ = (
        UniqueConstraint("course_id", "source_key"),
        Index("ix_lessons_search_vector", "search_vector", postgresql_using="gin"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[list[str]] = mapped_column(JSONB, default=list)
    key_terms: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    assets: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[LessonStatus] = mapped_column(
        value_enum(LessonStatus, "lesson_status"), default=LessonStatus.DRAFT
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    source_key: Mapped[str | None] = mapped_column(String(200))
    search_vector: Mapped[Any] = mapped_column(
        TSVECTOR,
        Computed(
            "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
            "setweight(to_tsvector('english', coalesce(body_markdown, '')), 'B')",
            persisted=True,
        ),
    )
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class AuthorKind(enum.StrEnum):
    """Who wrote a version: a person (``author_id``) or a model (its name and prompt version)."""

    HUMAN = "human"
    MODEL = "model"


class LessonVersion(Base):
    """An immutable snapshot of a lesson, written on every change."""

    __tablename__ = "lesson_versions"
    __table_args__ = (UniqueConstraint("lesson_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    lesson_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body_markdown: Mapped[str] = mapped_column(Text)
    objectives: Mapped[list[str]] = mapped_column(JSONB, default=list)
    status: Mapped[LessonStatus] = mapped_column(value_enum(LessonStatus, "lesson_status"))
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_kind: Mapped[str] = mapped_column(String(10), default=AuthorKind.HUMAN)
    model_name: Mapped[str | None] = mapped_column(String(200))
    prompt_version: Mapped[str | None] = mapped_column(String(100))
    change_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AssessmentItem(Base):
    """An exercise attached to a lesson; multiple-choice options and answer kept structured."""

    __tablename__ = "assessment_items"
    __table_args__ = (UniqueConstraint("lesson_id", "source_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    lesson_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ItemKind] = mapped_column(value_enum(ItemKind, "item_kind"))
    prompt: Mapped[str] = mapped_column(Text)
    options: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    answer: Mapped[str | None] = mapped_column(Text)
    solution: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    source_key: Mapped[str | None] = mapped_column(String(200))
    # Generated items keep their full structure (rationales, tolerance, rubric), their hint
    # ladder and the verdicts of the quality checks.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    hints: Mapped[list[str]] = mapped_column(JSONB, default=list)
    verdicts: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # What the item assesses; null means its lesson's first objective (see ``objective_of``).
    objective_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("learning_objectives.id", ondelete="SET NULL"), index=True
    )


# The exact-question look-up (the tutor's ``exercises_asking``): a hash index, since a prompt may
# be longer than a B-tree entry can hold.
Index(
    "ix_assessment_items_prompt_words",
    stored_question_words(AssessmentItem.prompt),
    postgresql_using="hash",
)


class LearningObjective(Base):
    """One learning objective of a lesson, the unit mastery is tracked in."""

    __tablename__ = "learning_objectives"
    __table_args__ = (UniqueConstraint("lesson_id", "position"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    lesson_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class AssessmentItemVersion(Base):
    """An immutable snapshot of an item, written on every change, with its author."""

    __tablename__ = "assessment_item_versions"
    __table_args__ = (UniqueConstraint("item_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assessment_items.id", ondelete="CASCADE")
    )
    version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONB)
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_kind: Mapped[str] = mapped_column(String(10), default=AuthorKind.HUMAN)
    model_name: Mapped[str | None] = mapped_column(String(200))
    prompt_version: Mapped[str | None] = mapped_column(String(100))
    change_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
