"""Tables of the tutor: sessions (the conversation itself lives in LangGraph's checkpoints),
each course's pedagogy policy, and flagged turns."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from agents.tutor.moderation import SafetyCategory
from agents.tutor.policy import TutorMode
from core.infra.database import Base, utcnow, value_enum


class TutorSession(Base):
    """One conversation of a learner about one course; its thread in the checkpointer has the
    same id."""

    __tablename__ = "tutor_sessions"
    __table_args__ = (Index("ix_tutor_sessions_learner", "learner_id", "updated_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    learner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TutorPolicy(Base):
    """How the tutor teaches one course, set by its teacher (Socratic when never set)."""

    __tablename__ = "tutor_policies"

    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[TutorMode] = mapped_column(value_enum(TutorMode, "tutor_mode"))
    updated_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TutorFlag(Base):
    """A refused unsafe turn, kept for the adults who were told about it."""

    __tablename__ = "tutor_flags"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    turn_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tutor_sessions.id", ondelete="CASCADE"), index=True
    )
    learner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    category: Mapped[SafetyCategory] = mapped_column(value_enum(SafetyCategory, "safety_category"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
