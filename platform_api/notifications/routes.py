"""HTTP endpoints of the notifications domain (``/api/v1/notifications``): the caller's inbox."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from platform_api.auth.permissions import Principal
from platform_api.deps import DbSession
from platform_api.http.errors import responses
from platform_api.http.pagination import Limit, Offset
from platform_api.notifications import service
from platform_api.notifications.schemas import NotificationPage

router = APIRouter(
    prefix="/api/v1/notifications", tags=["notifications"], responses=responses(401, 422, 429)
)


@router.get("", response_model=NotificationPage, summary="Your notifications, newest first")
async def list_notifications(
    session: DbSession,
    actor: Principal,
    unread: Annotated[bool, Query(description="Only those not yet read.")] = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> NotificationPage:
    return await service.inbox(
        session, actor.user_id, unread_only=unread, limit=limit, offset=offset
    )


@router.post(
    "/{notification_id}/read",
    status_code=204,
    summary="Mark one of your notifications read",
    responses=responses(404),
)
async def mark_read(notification_id: uuid.UUID, session: DbSession, actor: Principal) -> None:
    await service.mark_read(session, actor.user_id, notification_id)
