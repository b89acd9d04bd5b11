"""Tables of the LTI domain: registered platforms and what their launches linked here."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.infra.database import Base, utcnow

URL_LENGTH = 2000
ID_LENGTH = 255


class LtiRegistration(Base):
    """A platform (LMS) an admin registered: who it is and where its endpoints are."""

    __tablename__ = "lti_registrations"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(URL_LENGTH))
    client_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    deployment_ids: Mapped[list[str]] = mapped_column(JSONB, default=list)
    jwks_url: Mapped[str] = mapped_column(String(URL_LENGTH))
    auth_login_url: Mapped[str] = mapped_column(String(URL_LENGTH))
    access_token_url: Mapped[str] = mapped_column(String(URL_LENGTH))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LtiIdentity(Base):
    """A platform's user (``sub`` at ``issuer``) and the account it signs in to here."""

    __tablename__ = "lti_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    issuer: Mapped[str] = mapped_column(String(URL_LENGTH))
    subject: Mapped[str] = mapped_column(String(ID_LENGTH))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LtiContext(Base):
    """A platform's course (its LTI context) and the class that stands for it here, with the
    service endpoints its latest launch named."""

    __tablename__ = "lti_contexts"
    __table_args__ = (UniqueConstraint("registration_id", "context_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    registration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("lti_registrations.id", ondelete="CASCADE")
    )
    context_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    deployment_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    class_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("classes.id", ondelete="CASCADE"), index=True
    )
    memberships_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    lineitems_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    ags_scopes: Mapped[list[str]] = mapped_column(JSONB, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LtiResourceLink(Base):
    """A link placed in a platform's course, what it opens here, and its grade column."""

    __tablename__ = "lti_resource_links"
    __table_args__ = (UniqueConstraint("context_pk", "resource_link_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    context_pk: Mapped[uuid.UUID] = mapped_column(ForeignKey("lti_contexts.id", ondelete="CASCADE"))
    resource_link_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    # "course", "lesson", "tutor" or "quiz" and the id it names (a quiz is an assignment).
    target_kind: Mapped[str | None] = mapped_column(String(20))
    target_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    # The platform's line item for a quiz: given by the launch, or created on the first score.
    line_item_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LtiScorePush(Base):
    """A score the platform accepted: one per sitting and grade version, never sent twice."""

    __tablename__ = "lti_score_pushes"

    sitting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exam_sittings.id", ondelete="CASCADE"), primary_key=True
    )
    grade_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_link_pk: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("lti_resource_links.id", ondelete="CASCADE")
    )
    line_item_url: Mapped[str] = mapped_column(String(URL_LENGTH))
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    pushed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
