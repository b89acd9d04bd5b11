"""Tables of the human review of proctored sittings: the decisions, append-only and versioned per
sitting, and the learner's appeal against one of them. The proctor only flags; these rows are
what a person decided."""

import enum
import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.infra.database import Base, utcnow, value_enum

MAX_NOTE_CHARACTERS = 2000
MAX_APPEAL_REASON_CHARACTERS = 2000


class ReviewStage(enum.StrEnum):
    REVIEW = "review"  # the first review, and corrections of it before any appeal
    APPEAL_REVIEW = "appeal_review"  # the second review, by another reviewer, after an appeal


class ReviewDecision(enum.StrEnum):
    CLEAN = "clean"
    SUSPICIOUS = "suspicious"
    VIOLATION = "violation"


class AppealStatus(enum.StrEnum):
    OPEN = "open"
    DECIDED = "decided"  # an appeal_review decision answered it


class ProctorDecision(Base):
    """One version of a sitting's review decision: never updated, a new version supersedes it."""

    __tablename__ = "proctor_decisions"
    __table_args__ = (UniqueConstraint("sitting_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    sitting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exam_sittings.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, … per sitting
    stage: Mapped[ReviewStage] = mapped_column(value_enum(ReviewStage, "review_stage"))
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    decision: Mapped[ReviewDecision] = mapped_column(value_enum(ReviewDecision, "review_decision"))
    note: Mapped[str] = mapped_column(String(MAX_NOTE_CHARACTERS), default="")
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    supersedes: Mapped[int | None] = mapped_column(Integer)  # the version this one replaces


class ProctorAppeal(Base):
    """The learner's appeal against a `suspicious` or `violation` decision (one per decision at
    most), open until a second reviewer decides at stage `appeal_review`."""

    __tablename__ = "proctor_appeals"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    sitting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exam_sittings.id", ondelete="CASCADE"), index=True
    )
    decision_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("proctor_decisions.id", ondelete="CASCADE"), unique=True
    )
    learner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    filed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(MAX_APPEAL_REASON_CHARACTERS))
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[AppealStatus] = mapped_column(
        value_enum(AppealStatus, "appeal_status"), default=AppealStatus.OPEN
    )
    # The appeal_review decision that answered it.
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("proctor_decisions.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
