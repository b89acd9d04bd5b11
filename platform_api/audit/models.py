"""The audit log's one table: append-only (a database trigger refuses UPDATE, DELETE, TRUNCATE).

Rows name people by account id only, never by e-mail or name: the log outlives the accounts it
mentions (no foreign keys, so erasing an account leaves its pseudonymous id here) and must not
become a second copy of their personal data.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.infra.database import Base, utcnow


class AuditEvent(Base):
    """One action: who (an account, or the operator at the command line), what, on what."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_occurred_at", "occurred_at", "id"),
        Index("ix_audit_events_target", "target_type", "target_id"),
        Index("ix_audit_events_actor_id", "actor_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # None: the operator, through the ``wc`` command line on the host.
    actor_id: Mapped[uuid.UUID | None] = mapped_column()
    actor_role: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
