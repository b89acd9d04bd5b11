"""HTTP endpoint of the audit log (``/api/v1/audit``): read-only, for administrators."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from core.errors import Forbidden
from platform_api.audit.schemas import AuditEventPage, Instant
from platform_api.audit.service import AuditAction, AuditFilter, list_events
from platform_api.auth.permissions import Admin
from platform_api.deps import DbSession
from platform_api.http.errors import responses
from platform_api.http.pagination import Limit, Offset

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], responses=responses(401, 422, 429))

TARGET_ID_LENGTH = 64


@router.get(
    "/events",
    response_model=AuditEventPage,
    summary="The audit log, newest first: admin actions, role changes, grade overrides, "
    "evidence views (administrators)",
    responses=responses(Forbidden),
)
async def audit_events(
    session: DbSession,
    _: Admin,
    action: Annotated[AuditAction | None, Query(description="Only this action.")] = None,
    actor_id: Annotated[uuid.UUID | None, Query(description="Only this actor.")] = None,
    target_type: Annotated[
        str | None, Query(max_length=TARGET_ID_LENGTH, description="Only this kind of target.")
    ] = None,
    target_id: Annotated[
        str | None, Query(max_length=TARGET_ID_LENGTH, description="Only this target.")
    ] = None,
    since: Annotated[Instant | None, Query(description="At or after this instant.")] = None,
    until: Annotated[Instant | None, Query(description="Before this instant.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AuditEventPage:
    where = AuditFilter(action, actor_id, target_type, target_id, since, until)
    return await list_events(session, where, limit, offset)
