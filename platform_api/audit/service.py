"""Writing and reading the audit log.

``record`` adds the event to the caller's session: it commits with the action it records, or
rolls back with it, so the log never claims an action that did not happen nor misses one that did.
"""

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from platform_api.audit.models import AuditEvent
from platform_api.audit.schemas import AuditEventOut, AuditEventPage
from platform_api.auth.tokens import AccessClaims


class AuditAction(enum.StrEnum):
    ADMIN_CREATED = "account.admin_granted"
    ROLE_CHANGED = "account.role_changed"
    ACCOUNT_DEACTIVATED = "account.deactivated"
    GRADE_OVERRIDDEN = "grade.overridden"
    EVIDENCE_VIEWED = "evidence.viewed"
    LTI_REGISTRATION_CREATED = "lti.registration_created"
    LTI_REGISTRATION_REPLACED = "lti.registration_replaced"
    LTI_REGISTRATION_DELETED = "lti.registration_deleted"
    WEBHOOK_CREATED = "webhook.subscription_created"
    WEBHOOK_UPDATED = "webhook.subscription_updated"
    WEBHOOK_DELETED = "webhook.subscription_deleted"
    ANALYTICS_EXPORTED = "backup.analytics_exported"


@dataclass(frozen=True)
class Actor:
    """Who acted: an account and its role, or the operator (``user_id`` None) at the host."""

    user_id: uuid.UUID | None
    role: str | None

    @classmethod
    def operator(cls) -> "Actor":
        return cls(None, "operator")

    @classmethod
    def of(cls, claims: AccessClaims) -> "Actor":
        return cls(claims.user_id, claims.role.value)


def record(
    session: AsyncSession,
    actor: Actor,
    action: AuditAction,
    target: tuple[str, uuid.UUID | str],
    details: dict[str, Any] | None = None,
) -> None:
    """Add the event to the caller's transaction; ``target`` is (kind, id). No personal data in
    ``details``: ids, roles, points, reasons written by staff."""
    target_type, target_id = target
    session.add(
        AuditEvent(
            id=uuid.uuid4(),
            actor_id=actor.user_id,
            actor_role=actor.role,
            action=action.value,
            target_type=target_type,
            target_id=str(target_id),
            details=details or {},
        )
    )


@dataclass(frozen=True)
class AuditFilter:
    action: AuditAction | None = None
    actor_id: uuid.UUID | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _filtered(query: Select[Any], where: AuditFilter) -> Select[Any]:
    if where.action is not None:
        query = query.where(AuditEvent.action == where.action.value)
    if where.actor_id is not None:
        query = query.where(AuditEvent.actor_id == where.actor_id)
    if where.target_type is not None:
        query = query.where(AuditEvent.target_type == where.target_type)
    if where.target_id is not None:
        query = query.where(AuditEvent.target_id == where.target_id)
    if where.since is not None:
        query = query.where(AuditEvent.occurred_at >= where.since)
    if where.until is not None:
        query = query.where(AuditEvent.occurred_at < where.until)
    return query


async def list_events(
    session: AsyncSession, where: AuditFilter, limit: int, offset: int
) -> AuditEventPage:
    """Newest first; ties broken by id so pages never overlap."""
    total = await session.scalar(_filtered(select(func.count()).select_from(AuditEvent), where))
    rows = await session.scalars(
        _filtered(select(AuditEvent), where)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(limit)
        .offset(offset)
    )
    items = [AuditEventOut.model_validate(row) for row in rows]
    return AuditEventPage(items=items, total=total or 0, limit=limit, offset=offset)
