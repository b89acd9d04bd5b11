"""Tables of bulk content generation: a job, and the topics it generates one by one."""

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.infra.database import Base, utcnow, value_enum


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    FINISHED = "finished"


class TopicStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    NEEDS_REVIEW = "needs_review"  # generated, but a check failed after every rewrite
    FAILED = "failed"  # nothing usable: see ``failures`` and ``error``
    DONE = "done"  # generated and every check passed; still awaits a reviewer
    CANCELLED = "cancelled"


FINAL_TOPIC_STATUSES = frozenset(
    {TopicStatus.NEEDS_REVIEW, TopicStatus.FAILED, TopicStatus.DONE, TopicStatus.CANCELLED}
)


class ReviewStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ContentJob(Base):
    __tablename__ = "content_jobs"
    __table_args__ = (UniqueConstraint("created_by", "idempotency_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    # The unit the job's draft lessons are written into.
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    # The curriculum: the tenant whose jobs share one concurrency limit.
    tenant_id: Mapped[uuid.UUID]
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[JobStatus] = mapped_column(value_enum(JobStatus, "content_job_status"))
    options: Mapped[dict[str, Any]] = mapped_column(JSONB)
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    total: Mapped[int] = mapped_column(Integer)
    input_errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    model_name: Mapped[str] = mapped_column(String(200))
    prompt_version: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ContentTopic(Base):
    """One row of a job's input: generated once, whatever crashes happen around it."""

    __tablename__ = "content_topics"
    __table_args__ = (
        UniqueConstraint("job_id", "row"),
        Index("ix_content_topics_job_status", "job_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("content_jobs.id", ondelete="CASCADE"))
    row: Mapped[int] = mapped_column(Integer)
    topic: Mapped[str] = mapped_column(String(300))
    objectives: Mapped[list[str]] = mapped_column(JSONB, default=list)
    # The learning objective the topic targets, when it was drawn from a class's weak ones.
    objective_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("learning_objectives.id", ondelete="SET NULL")
    )
    status: Mapped[TopicStatus] = mapped_column(value_enum(TopicStatus, "content_topic_status"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The claim of the runner working on it; a result is stored only under the current lease.
    lease_token: Mapped[uuid.UUID | None]
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lesson_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="SET NULL")
    )
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    failures: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    first_pass_checks: Mapped[int] = mapped_column(Integer, default=0)
    first_pass_passed: Mapped[int] = mapped_column(Integer, default=0)
    llm_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    wall_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    review_status: Mapped[ReviewStatus] = mapped_column(
        value_enum(ReviewStatus, "content_review_status"), default=ReviewStatus.PENDING
    )
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_reason: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
