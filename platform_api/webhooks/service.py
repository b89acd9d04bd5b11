"""Webhook subscriptions and their delivery log, as their owners (schools, admins) manage them."""

import uuid
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import Course, Curriculum
from core.errors import Forbidden, NotFound
from core.infra.bus import Event
from core.infra.database import utcnow
from platform_api.audit.service import Actor, AuditAction, record
from platform_api.auth.models import Role
from platform_api.auth.tokens import AccessClaims
from platform_api.webhooks.catalogue import EVENT_TYPES, PING, Ping, Scope
from platform_api.webhooks.fanout import queue_deliveries
from platform_api.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from platform_api.webhooks.runtime import Webhooks
from platform_api.webhooks.schemas import (
    AttemptOut,
    DeliveryDetail,
    DeliveryOut,
    DeliveryPage,
    RotatedSecret,
    SecretRotation,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionOut,
    SubscriptionUpdate,
)
from platform_api.webhooks.signing import new_secret


class NotASchool(Forbidden):
    code = "not_a_school"


class PlatformEventRefused(Forbidden):
    code = "platform_event_refused"


async def create_subscription(
    session: AsyncSession, webhooks: Webhooks, actor: AccessClaims, body: SubscriptionCreate
) -> SubscriptionCreated:
    platform_wide = actor.role is Role.ADMIN
    if not platform_wide:
        await _ensure_school(session, actor.user_id)
        _ensure_course_scoped(body.event_types)
    url = str(body.url)
    webhooks.check_url(url)
    secret = new_secret()
    subscription_id = uuid.uuid4()
    subscription = WebhookSubscription(
        id=subscription_id,
        owner_id=actor.user_id,
        platform_wide=platform_wide,
        url=url,
        description=body.description,
        event_types=sorted(set(body.event_types)),
        enabled=True,
        sealed_secret=webhooks.box.seal(subscription_id, secret, "current"),
        created_at=utcnow(),
    )
    session.add(subscription)
    _audit_admin(session, actor, AuditAction.WEBHOOK_CREATED, subscription)
    await session.commit()
    shown = SubscriptionOut.model_validate(subscription).model_dump()
    return SubscriptionCreated(**shown, secret=secret)


async def _ensure_school(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Schools are the owners of a curriculum or a course; only they and admins subscribe."""
    owns = (
        select(Curriculum.id)
        .where(Curriculum.owner_id == user_id)
        .union_all(select(Course.id).where(Course.owner_id == user_id))
    )
    if await session.scalar(select(func.count()).select_from(owns.subquery())) == 0:
        raise NotASchool("Webhooks belong to admins and to owners of a curriculum or a course.")


def _ensure_course_scoped(event_types: list[str]) -> None:
    platform = sorted(name for name in event_types if EVENT_TYPES[name].scope is Scope.PLATFORM)
    if platform:
        raise PlatformEventRefused(
            "Only admins subscribe to platform-wide events.", {"event_types": platform}
        )


async def owned_subscription(
    session: AsyncSession, actor: AccessClaims, subscription_id: uuid.UUID
) -> WebhookSubscription:
    subscription = await session.get(WebhookSubscription, subscription_id)
    if subscription is None or (
        subscription.owner_id != actor.user_id and actor.role is not Role.ADMIN
    ):
        raise NotFound("No such webhook subscription.")
    return subscription


async def list_subscriptions(session: AsyncSession, actor: AccessClaims) -> list[SubscriptionOut]:
    rows = await session.scalars(
        select(WebhookSubscription)
        .where(WebhookSubscription.owner_id == actor.user_id)
        .order_by(WebhookSubscription.created_at)
    )
    return [SubscriptionOut.model_validate(row) for row in rows]


async def update_subscription(
    session: AsyncSession,
    webhooks: Webhooks,
    actor: AccessClaims,
    subscription_id: uuid.UUID,
    body: SubscriptionUpdate,
) -> SubscriptionOut:
    subscription = await owned_subscription(session, actor, subscription_id)
    if body.url is not None:
        webhooks.check_url(str(body.url))
        subscription.url = str(body.url)
    if body.event_types is not None:
        if not subscription.platform_wide:
            _ensure_course_scoped(body.event_types)
        subscription.event_types = sorted(set(body.event_types))
    if body.description is not None:
        subscription.description = body.description
    enabling = body.enabled is True and not subscription.enabled
    if body.enabled is not None:
        subscription.enabled = body.enabled
        subscription.disabled_reason = None if body.enabled else "Disabled by its owner."
    if enabling:
        subscription.failing_since = None
    _audit_admin(session, actor, AuditAction.WEBHOOK_UPDATED, subscription)
    await session.commit()
    if enabling:
        webhooks.dispatcher.wake()  # what waited while it was disabled goes out now
    return SubscriptionOut.model_validate(subscription)


async def delete_subscription(
    session: AsyncSession, actor: AccessClaims, subscription_id: uuid.UUID
) -> None:
    subscription = await owned_subscription(session, actor, subscription_id)
    _audit_admin(session, actor, AuditAction.WEBHOOK_DELETED, subscription)
    await session.delete(subscription)
    await session.commit()


def _audit_admin(
    session: AsyncSession,
    actor: AccessClaims,
    action: AuditAction,
    subscription: WebhookSubscription,
) -> None:
    """An admin's change (platform-wide data leaves through these) goes to the audit log; a
    school's own course-scoped hooks do not. The URL is left out: it may carry a token."""
    if actor.role is Role.ADMIN:
        details = {
            "owner_id": str(subscription.owner_id),
            "event_types": list(subscription.event_types),
            "enabled": subscription.enabled,
        }
        record(session, Actor.of(actor), action, ("webhook_subscription", subscription.id), details)


async def rotate_secret(
    session: AsyncSession,
    webhooks: Webhooks,
    actor: AccessClaims,
    subscription_id: uuid.UUID,
    body: SecretRotation,
) -> RotatedSecret:
    """A new secret signs from now on; the old one signs beside it for ``overlap_seconds``."""
    subscription = await owned_subscription(session, actor, subscription_id)
    secret = new_secret()
    box = webhooks.box
    if body.overlap_seconds > 0:
        previous = box.current(subscription)
        subscription.sealed_previous_secret = box.seal(subscription.id, previous, "previous")
        expires = utcnow() + timedelta(seconds=body.overlap_seconds)
        subscription.previous_secret_expires_at = expires
    else:
        subscription.sealed_previous_secret = None
        subscription.previous_secret_expires_at = None
    subscription.sealed_secret = box.seal(subscription.id, secret, "current")
    await session.commit()
    return RotatedSecret(
        secret=secret, previous_secret_expires_at=subscription.previous_secret_expires_at
    )


async def ping(
    session: AsyncSession, webhooks: Webhooks, actor: AccessClaims, subscription_id: uuid.UUID
) -> DeliveryOut:
    """Queue a ``webhook.ping`` delivery to this one subscription."""
    subscription = await owned_subscription(session, actor, subscription_id)
    event = Event(type=PING, payload={})
    data = Ping(subscription_id=subscription.id).model_dump(mode="json")
    await queue_deliveries(session, [subscription.id], event, data, webhooks.max_attempts)
    await session.commit()
    webhooks.dispatcher.wake()
    delivery = await session.scalar(
        select(WebhookDelivery).where(WebhookDelivery.event_id == event.id)
    )
    assert delivery is not None  # inserted above; the event id is new
    return DeliveryOut.model_validate(delivery)


async def list_deliveries(
    session: AsyncSession,
    actor: AccessClaims,
    subscription_id: uuid.UUID,
    status: DeliveryStatus | None,
    limit: int,
    offset: int,
) -> DeliveryPage:
    """The delivery log, newest first, each delivery with its last attempt."""
    await owned_subscription(session, actor, subscription_id)
    where = [WebhookDelivery.subscription_id == subscription_id]
    if status is not None:
        where.append(WebhookDelivery.status == status)
    total = await session.scalar(select(func.count()).select_from(WebhookDelivery).where(*where))
    deliveries = list(
        await session.scalars(
            select(WebhookDelivery)
            .where(*where)
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
            .limit(limit)
            .offset(offset)
        )
    )
    last = await _last_attempts(session, [delivery.id for delivery in deliveries])
    items = [
        DeliveryOut.model_validate(delivery).model_copy(
            update={"last_attempt": last.get(delivery.id)}
        )
        for delivery in deliveries
    ]
    return DeliveryPage(items=items, total=total or 0, limit=limit, offset=offset)


async def _last_attempts(
    session: AsyncSession, delivery_ids: list[uuid.UUID]
) -> dict[uuid.UUID, AttemptOut]:
    if not delivery_ids:
        return {}
    rows = await session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(delivery_ids))
        .order_by(WebhookAttempt.delivery_id, WebhookAttempt.number.desc())
        .ext(distinct_on(WebhookAttempt.delivery_id))
    )
    return {row.delivery_id: AttemptOut.model_validate(row) for row in rows}


async def _owned_delivery(
    session: AsyncSession, actor: AccessClaims, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    await owned_subscription(session, actor, subscription_id)
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription_id:
        raise NotFound("No such delivery of this subscription.")
    return delivery


async def delivery_detail(
    session: AsyncSession, actor: AccessClaims, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> DeliveryDetail:
    delivery = await _owned_delivery(session, actor, subscription_id, delivery_id)
    attempts = await session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery.id)
        .order_by(WebhookAttempt.number)
    )
    log = [AttemptOut.model_validate(attempt) for attempt in attempts]
    shown = DeliveryOut.model_validate(delivery).model_dump()
    return DeliveryDetail(
        **{**shown, "last_attempt": log[-1] if log else None}, data=delivery.data, attempt_log=log
    )


async def redeliver(
    session: AsyncSession,
    webhooks: Webhooks,
    actor: AccessClaims,
    subscription_id: uuid.UUID,
    delivery_id: uuid.UUID,
) -> DeliveryOut:
    """Send one delivery again, with a fresh set of attempts (same event id: receivers that
    already have it deduplicate)."""
    delivery = await _owned_delivery(session, actor, subscription_id, delivery_id)
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts_left = webhooks.max_attempts
    delivery.next_attempt_at = utcnow()
    delivery.delivered_at = None
    await session.commit()
    webhooks.dispatcher.wake()
    return DeliveryOut.model_validate(delivery)
