"""Tables of mastery: per-objective BKT parameters, per-learner state, per-item statistics."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Float, ForeignKey, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.infra.database import Base, utcnow


class ObjectiveParameters(Base):
    """BKT parameters fitted for one objective (absent: the defaults in settings apply)."""

    __tablename__ = "objective_parameters"

    objective_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("learning_objectives.id", ondelete="CASCADE"), primary_key=True
    )
    prior: Mapped[float] = mapped_column(Float)
    learn: Mapped[float] = mapped_column(Float)
    guess: Mapped[float] = mapped_column(Float)
    slip: Mapped[float] = mapped_column(Float)
    learners: Mapped[int] = mapped_column(Integer)
    responses: Mapped[int] = mapped_column(Integer)
    log_likelihood: Mapped[float] = mapped_column(Float)
    fitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MasteryState(Base):
    """A learner's probability of knowing an objective after their graded answers so far."""

    __tablename__ = "mastery_states"

    learner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    objective_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("learning_objectives.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    p_known: Mapped[float] = mapped_column(Float)
    answers: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ItemStatistics(Base):
    """An item's calibration from live responses, and the review flags it raised."""

    __tablename__ = "item_statistics"

    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assessment_items.id", ondelete="CASCADE"), primary_key=True
    )
    responses: Mapped[int] = mapped_column(Integer)
    difficulty: Mapped[float] = mapped_column(Float)  # share correct (classical p-value)
    discrimination: Mapped[float | None] = mapped_column(Float)  # point-biserial
    irt: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # 2PL a/b when fitted
    flags: Mapped[list[str]] = mapped_column(JSONB, default=list)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
