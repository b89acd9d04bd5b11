"""Web Push endpoints: the VAPID public key, and a browser's subscription of the caller."""

from typing import Annotated

from fastapi import APIRouter, Query

from core.errors import NotFound
from platform_api.auth.permissions import Principal
from platform_api.deps import DbSession, StoresDep
from platform_api.http.errors import responses
from platform_api.notifications.push import (
    InvalidPushSubscription,
    delete_subscription,
    save_subscription,
)
from platform_api.notifications.runtime import NotificationsDep
from platform_api.notifications.schemas import PushPublicKey, PushSubscriptionIn

router = APIRouter(prefix="/push")


@router.get(
    "/public-key",
    response_model=PushPublicKey,
    summary="The key a browser subscribes with (applicationServerKey)",
)
async def public_key(notifications: NotificationsDep) -> PushPublicKey:
    return PushPublicKey(public_key=notifications.push_public_key)


@router.post(
    "/subscriptions",
    status_code=204,
    summary="Send your notifications to this browser too (its PushSubscription)",
    responses=responses(InvalidPushSubscription),
)
async def subscribe(
    subscription: PushSubscriptionIn, session: DbSession, actor: Principal, stores: StoresDep
) -> None:
    hosts = stores.settings.push_http_loopback_hosts
    await save_subscription(session, actor.user_id, subscription, hosts)


@router.delete(
    "/subscriptions",
    status_code=204,
    summary="Stop sending your notifications to this browser",
    responses=responses(404),
)
async def unsubscribe_browser(
    endpoint: Annotated[str, Query(min_length=10, max_length=2048)],
    session: DbSession,
    actor: Principal,
) -> None:
    if not await delete_subscription(session, actor.user_id, endpoint):
        raise NotFound("This browser has no push subscription of yours.")
