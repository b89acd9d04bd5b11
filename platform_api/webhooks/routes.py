"""HTTP endpoints of webhooks (``/api/v1/webhooks``): subscriptions, secrets, the delivery log."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from core.errors import NotFound
from platform_api.auth.models import Role
from platform_api.auth.permissions import Principal, RoleGate
from platform_api.auth.tokens import AccessClaims
from platform_api.deps import DbSession
from platform_api.http.errors import responses
from platform_api.http.pagination import Limit, Offset
from platform_api.webhooks import service
from platform_api.webhooks.catalogue import EVENT_TYPES
from platform_api.webhooks.models import DeliveryStatus
from platform_api.webhooks.runtime import WebhooksDep
from platform_api.webhooks.schemas import (
    DeliveryDetail,
    DeliveryOut,
    DeliveryPage,
    EventTypeOut,
    RotatedSecret,
    SecretRotation,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionOut,
    SubscriptionUpdate,
)
from platform_api.webhooks.targets import WebhookTargetRefused

router = APIRouter(
    prefix="/api/v1/webhooks", tags=["webhooks"], responses=responses(401, 403, 422, 429)
)
# Admins (every course) and schools: teachers and content editors who own a curriculum or course.
Owner = Annotated[AccessClaims, Depends(RoleGate(Role.ADMIN, Role.TEACHER, Role.CONTENT_EDITOR))]


@router.get("/event-types", response_model=list[EventTypeOut], summary="Events a webhook can hear")
async def event_types(_: Principal) -> list[EventTypeOut]:
    return [
        EventTypeOut(
            name=kind.name,
            description=kind.description,
            scope=kind.scope,
            payload_schema=kind.schema(),
        )
        for _, kind in sorted(EVENT_TYPES.items())
    ]


@router.post(
    "/subscriptions",
    status_code=201,
    response_model=SubscriptionCreated,
    summary="Subscribe a URL to events (its signing secret is shown once)",
    responses=responses(service.NotASchool, service.PlatformEventRefused, WebhookTargetRefused),
)
async def create_subscription(
    body: SubscriptionCreate, session: DbSession, actor: Owner, webhooks: WebhooksDep
) -> SubscriptionCreated:
    return await service.create_subscription(session, webhooks, actor, body)


@router.get("/subscriptions", response_model=list[SubscriptionOut], summary="Your subscriptions")
async def list_subscriptions(session: DbSession, actor: Owner) -> list[SubscriptionOut]:
    return await service.list_subscriptions(session, actor)


@router.get(
    "/subscriptions/{subscription_id}",
    response_model=SubscriptionOut,
    summary="One subscription",
    responses=responses(NotFound),
)
async def get_subscription(
    subscription_id: uuid.UUID, session: DbSession, actor: Owner
) -> SubscriptionOut:
    return SubscriptionOut.model_validate(
        await service.owned_subscription(session, actor, subscription_id)
    )


@router.patch(
    "/subscriptions/{subscription_id}",
    response_model=SubscriptionOut,
    summary="Change a subscription's URL, events or description; disable or enable it",
    responses=responses(NotFound, service.PlatformEventRefused, WebhookTargetRefused),
)
async def update_subscription(
    subscription_id: uuid.UUID,
    body: SubscriptionUpdate,
    session: DbSession,
    actor: Owner,
    webhooks: WebhooksDep,
) -> SubscriptionOut:
    return await service.update_subscription(session, webhooks, actor, subscription_id, body)


@router.delete(
    "/subscriptions/{subscription_id}",
    status_code=204,
    summary="Delete a subscription and its delivery log",
    responses=responses(NotFound),
)
async def delete_subscription(subscription_id: uuid.UUID, session: DbSession, actor: Owner) -> None:
    await service.delete_subscription(session, actor, subscription_id)


@router.post(
    "/subscriptions/{subscription_id}/rotate-secret",
    response_model=RotatedSecret,
    summary="Start signing with a new secret; the old one signs beside it for a while",
    responses=responses(NotFound),
)
async def rotate_secret(
    subscription_id: uuid.UUID,
    body: SecretRotation,
    session: DbSession,
    actor: Owner,
    webhooks: WebhooksDep,
) -> RotatedSecret:
    return await service.rotate_secret(session, webhooks, actor, subscription_id, body)


@router.post(
    "/subscriptions/{subscription_id}/ping",
    status_code=202,
    response_model=DeliveryOut,
    summary="Send a webhook.ping delivery to test the receiver",
    responses=responses(NotFound),
)
async def ping(
    subscription_id: uuid.UUID, session: DbSession, actor: Owner, webhooks: WebhooksDep
) -> DeliveryOut:
    return await service.ping(session, webhooks, actor, subscription_id)


@router.get(
    "/subscriptions/{subscription_id}/deliveries",
    response_model=DeliveryPage,
    summary="The delivery log, newest first",
    responses=responses(NotFound),
)
async def list_deliveries(
    subscription_id: uuid.UUID,
    session: DbSession,
    actor: Owner,
    status: Annotated[DeliveryStatus | None, Query(description="Only these.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> DeliveryPage:
    return await service.list_deliveries(session, actor, subscription_id, status, limit, offset)


@router.get(
    "/subscriptions/{subscription_id}/deliveries/{delivery_id}",
    response_model=DeliveryDetail,
    summary="One delivery: its payload and every attempt",
    responses=responses(NotFound),
)
async def get_delivery(
    subscription_id: uuid.UUID, delivery_id: uuid.UUID, session: DbSession, actor: Owner
) -> DeliveryDetail:
    return await service.delivery_detail(session, actor, subscription_id, delivery_id)


@router.post(
    "/subscriptions/{subscription_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_model=DeliveryOut,
    summary="Send one delivery again",
    responses=responses(NotFound),
)
async def redeliver(
    subscription_id: uuid.UUID,
    delivery_id: uuid.UUID,
    session: DbSession,
    actor: Owner,
    webhooks: WebhooksDep,
) -> DeliveryOut:
    return await service.redeliver(session, webhooks, actor, subscription_id, delivery_id)
