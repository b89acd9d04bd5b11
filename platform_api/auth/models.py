"""Tables of the identity domain."""

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, validates

from core.infra.database import Base, utcnow, value_enum
from core.personal_data import AddressDigest, SealedDate, SealedText


class Role(enum.StrEnum):
    STUDENT = "student"
    TEACHER = "teacher"
    PARENT = "parent"
    ADMIN = "admin"
    CONTENT_EDITOR = "content_editor"
    PROCTOR = "proctor"  # reviews proctored sittings; only an operator gives it (wc users set-role)


class User(Base):
    """An account. Its e-mail, name, birth date and parent's e-mail are sealed at rest
    (``core.personal_data``); look an account up by address with ``User.email_hash == address``
    (``parent_email_hash`` likewise), never by the sealed column."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(SealedText("users.email"))
    # Derived from ``email`` on assignment (``_derive_hashes``); unique: one account a mailbox.
    email_hash: Mapped[str] = mapped_column(AddressDigest(), unique=True, index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(SealedText("users.display_name"))
    role: Mapped[Role] = mapped_column(value_enum(Role, "user_role"))
    birth_date: Mapped[date | None] = mapped_column(SealedDate("users.birth_date"))
    parent_email: Mapped[str | None] = mapped_column(SealedText("users.parent_email"))
    parent_email_hash: Mapped[str | None] = mapped_column(AddressDigest(), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    # True once the owner proved control of the address (e-mailed link or a provider's verified
    # claim). Only a verified address may be linked to an external (OIDC) identity.
    email_verified: Mapped[bool] = mapped_column(default=False, server_default="false")
    locale: Mapped[str] = mapped_column(String(35), default="en")
    # An IANA zone name: where the learner's days (streaks, reminders) begin and end.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    leaderboard_opt_out: Mapped[bool] = mapped_column(default=False, server_default="false")
    preferences: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    avatar_key: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    @validates("email", "parent_email")
    def _derive_hashes(self, name: str, address: str | None) -> str | None:
        # The hash column binds the address and hashes it with the engine's key at flush.
        setattr(self, f"{name}_hash", address)
        return address


class OidcIdentity(Base):
    """A user's account at an external OpenID Connect provider."""

    __tablename__ = "oidc_identities"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RefreshToken(Base):
    """One refresh token; tokens rotated from the same login share a ``family_id``."""

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ParentLink(Base):
    """A parent's confirmed link to a child account."""

    __tablename__ = "parent_links"

    parent_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    child_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ParentalConsent(Base):
    """A pending or answered request to a parent to activate an under-age account."""

    __tablename__ = "parental_consents"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    child_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    parent_email: Mapped[str] = mapped_column(SealedText("parental_consents.parent_email"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EmailVerification(Base):
    """A single-use link proving control of an e-mail address."""

    __tablename__ = "email_verifications"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(SealedText("email_verifications.email"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
