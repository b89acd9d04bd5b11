"""Tables of the grading saga: the sitting's published grades and the steps' failure counts."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.infra.database import Base, utcnow


class SittingGrade(Base):
    """One aggregated grade of a sitting, as published in ``assessment.graded``.

    Its primary key is the guard that publishes exactly one event per (sitting, grade version):
    version 1 when grading completes, one more per teacher override after that.
    """

    __tablename__ = "sitting_grades"

    sitting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exam_sittings.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    graded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class GradingFailure(Base):
    """How often a grading step failed on one event, so the step knows when it dead-letters.

    The bus retries a failing handler with back-off and dead-letters it after ``max_attempts``;
    counting here (committed apart from the failed work) lets the last attempt mark the sitting
    ``grading_delayed`` instead of leaving it silently ungraded.
    """

    __tablename__ = "grading_failures"

    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
