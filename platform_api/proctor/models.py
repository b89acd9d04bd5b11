"""Tables of proctored exams: enrolment photos, consents, proctoring sessions and the events of
their timelines, exemptions for learners who cannot be proctored, and the audit of every view of
biometric data. Biometric data is sealed (AES-GCM, ``core.encryption``): the photo in the object
store, the face embedding here."""

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
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.infra.database import Base, utcnow, value_enum


class EnrolmentPhoto(Base):
    """The learner's reference face: the photo (sealed, in the object store) and its embedding
    (sealed, here), which the identity check compares webcam faces with."""

    __tablename__ = "enrolment_photos"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    photo_key: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    sealed_embedding: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConsentGiver(enum.StrEnum):
    LEARNER = "learner"
    PARENT = "parent"  # for a learner under the consent age (a linked parent)


class ProctorConsent(Base):
    """Consent to be proctored during one exam (every sitting of it): given by the learner, or
    by a linked parent for a learner under the consent age, before the exam day if need be."""

    __tablename__ = "proctor_consents"
    __table_args__ = (UniqueConstraint("learner_id", "assignment_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    learner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    assignment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    given_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    giver: Mapped[ConsentGiver] = mapped_column(value_enum(ConsentGiver, "consent_giver"))
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProctorSessionStatus(enum.StrEnum):
    PENDING = "pending"  # created, consent in hand; no stream yet
    LIVE = "live"  # the proctor answered an offer: the webcam streams (or reconnects)
    ENDED = "ended"  # ended with its sitting; the final timeline is stored


class ProctoringSession(Base):
    """The proctoring of one exam sitting, on the proctor host (a Serve replica) that holds it."""

    __tablename__ = "proctor_sessions"
    __table_args__ = (
        # One session at a time per sitting: a second one while it runs is refused.
        Index(
            "uq_proctor_sessions_one_running",
            "sitting_id",
            unique=True,
            postgresql_where=text("status <> 'ended'"),
        ),
        # The purge looks only at sessions it has not purged yet.
        Index(
            "ix_proctor_sessions_not_purged",
            "sitting_id",
            postgresql_where=text("purged_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    sitting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exam_sittings.id", ondelete="CASCADE"), index=True
    )
    learner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[ProctorSessionStatus] = mapped_column(
        value_enum(ProctorSessionStatus, "proctor_session_status"),
        default=ProctorSessionStatus.PENDING,
    )
    proctor_host: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    live_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_offer_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    offers: Mapped[int] = mapped_column(Integer, default=0)
    identity_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # How often each analyser could judge: {"identity": {"ok", "suspicious", "unavailable"}}.
    availability: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # Set when the evidence keyframes and the events were purged after review; what remains
    # of the events is their count by kind and severity (``EventCount`` rows).
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    event_summary: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )


class ProctorEvent(Base):
    """One event of a session's timeline as the proctor reported it (times: seconds since the
    stream started); updated while it is open, final once the session ended."""

    __tablename__ = "proctor_events"

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("proctor_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    analyser: Mapped[str] = mapped_column(String(64))
    started_at_seconds: Mapped[float] = mapped_column(Float)
    ended_at_seconds: Mapped[float | None] = mapped_column(Float)
    severity: Mapped[str] = mapped_column(String(16))
    peak_value: Mapped[float | None] = mapped_column(Float)
    signal_count: Mapped[int] = mapped_column(Integer)
    # Object keys of the sealed keyframes (``proctor-evidence/<session>/<random>``).
    evidence_keys: Mapped[list[str]] = mapped_column(JSONB, default=list)


class ExemptionStatus(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"  # the exam's sittings run unproctored, flagged as such
    REFUSED = "refused"


class ProctorExemption(Base):
    """A learner without a webcam, or who does not consent, asks to sit an exam unproctored; the
    class's teacher decides."""

    __tablename__ = "proctor_exemptions"
    __table_args__ = (UniqueConstraint("learner_id", "assignment_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    learner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    assignment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(1000))
    status: Mapped[ExemptionStatus] = mapped_column(
        value_enum(ExemptionStatus, "exemption_status"), default=ExemptionStatus.REQUESTED
    )
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str] = mapped_column(String(1000), default="")


class BiometricAccess(Base):
    """Who viewed whose biometric data, when, and for which sitting (if any)."""

    __tablename__ = "biometric_access_log"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    viewer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    subject_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    what: Mapped[str] = mapped_column(String(64))
    sitting_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("exam_sittings.id", ondelete="SET NULL")
    )
    object_key: Mapped[str | None] = mapped_column(String(255))
    viewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
