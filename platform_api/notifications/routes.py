"""HTTP endpoints of the notifications domain (``/api/v1/notifications``): the caller's inbox and
notification settings; push subscriptions, unsubscribe links and admins' templates are included
from their own modules."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from platform_api.auth.permissions import CurrentUser, Principal
from platform_api.deps import DbSession
from platform_api.http.errors import responses
from platform_api.http.pagination import Limit, Offset
from platform_api.notifications import service
from platform_api.notifications.preferences import read_preferences, write_preferences
from platform_api.notifications.push_routes import router as push_router
from platform_api.notifications.schemas import NotificationPage, PreferencesIn, PreferencesOut
from platform_api.notifications.template_routes import router as template_router
from platform_api.notifications.unsubscribe_routes import router as unsubscribe_router

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


@router.get("/preferences", response_model=PreferencesOut, summary="Your notification settings")
async def get_preferences(session: DbSession, user: CurrentUser) -> PreferencesOut:
    return await read_preferences(session, user)


@router.put(
    "/preferences",
    response_model=PreferencesOut,
    summary="Change your notification settings (channels per kind, quiet hours, digest)",
)
async def put_preferences(
    preferences: PreferencesIn, session: DbSession, user: CurrentUser
) -> PreferencesOut:
    return await write_preferences(session, user, preferences)


router.include_router(push_router)
router.include_router(unsubscribe_router)
router.include_router(template_router)
