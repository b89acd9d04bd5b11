"""Exam sittings; the proctor records them, the tutor reads them to refuse help mid-exam."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from core.infra.database import Base, utcnow


class ExamSitting(Base):
    """A learner's exam in one course; in progress while ``ended_at`` is null."""

    __tablename__ = "exam_sittings"
    __table_args__ = (Index("ix_exam_sittings_open", "learner_id", "course_id", "ended_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    learner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
