"""From platform events to deliveries: one idempotent consumer writes a pending delivery for every
subscription that hears the event, in the transaction that marks the event processed."""

import uuid
from collections.abc import Callable

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.event import listen
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import Course, Curriculum
from core.infra.bus import Event, EventBus
from core.infra.database import Database, utcnow
from core.infra.outbox import idempotent
from platform_api.webhooks.catalogue import EVENT_TYPES, SUBSCRIBABLE
from platform_api.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription

CONSUMER = "webhooks.fanout"


async def subscribers(
    session: AsyncSession, event_type: str, course_id: uuid.UUID | None
) -> list[uuid.UUID]:
    """Ids of the subscriptions to ``event_type`` that may hear about ``course_id`` (disabled
    ones too: their deliveries wait until they are enabled again)."""
    hears: ColumnElement[bool] = WebhookSubscription.platform_wide.is_(True)
    if course_id is not None:
        course_owners = select(Course.owner_id).where(Course.id == course_id)
        school = (
            select(Curriculum.owner_id)
            .join(Course, Course.curriculum_id == Curriculum.id)
            .where(Course.id == course_id)
        )
        hears = or_(
            hears,
            WebhookSubscription.owner_id.in_(course_owners.scalar_subquery()),
            WebhookSubscription.owner_id.in_(school.scalar_subquery()),
        )
    query = select(WebhookSubscription.id).where(
        WebhookSubscription.event_types.contains([event_type]), hears
    )
    return list(await session.scalars(query))


async def queue_deliveries(
    session: AsyncSession,
    subscription_ids: list[uuid.UUID],
    event: Event,
    data: dict[str, object],
    max_attempts: int,
) -> None:
    """Insert one pending delivery per subscription (a repeated event adds none)."""
    if not subscription_ids:
        return
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "subscription_id": subscription_id,
            "event_id": event.id,
            "event_type": event.type,
            "occurred_at": event.occurred_at,
            "data": data,
            "status": DeliveryStatus.PENDING,
            "attempts": 0,
            "attempts_left": max_attempts,
            "next_attempt_at": now,
            "created_at": now,
        }
        for subscription_id in subscription_ids
    ]
    statement = (
        insert(WebhookDelivery)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["subscription_id", "event_id"])
    )
    await session.execute(statement)


async def subscribe_fanout(
    bus: EventBus, database: Database, max_attempts: int, on_queued: Callable[[], None]
) -> None:
    """Subscribe the fan-out; ``on_queued`` runs once the deliveries of an event are committed
    (it wakes the dispatcher), and only for an event that some subscription hears."""

    async def fan_out(session: AsyncSession, event: Event) -> None:
        kind = EVENT_TYPES[event.type]
        data = kind.data.model_validate(event.payload)
        ids = await subscribers(session, event.type, kind.course_of(data))
        if not ids:
            return
        await queue_deliveries(session, ids, event, data.model_dump(mode="json"), max_attempts)
        listen(session.sync_session, "after_commit", lambda _: on_queued(), once=True)

    await bus.subscribe(CONSUMER, SUBSCRIBABLE, idempotent(database, CONSUMER, fan_out))
