"""The one dispatcher: a bus consumer that decides, per channel, when a notification goes out.

``request_notification`` adds the request to the caller's transaction. The consumer runs once per
request (``idempotent``) and, in its own transaction, queues an e-mail now, holds it until the
recipient's quiet hours end, or collects it for their digest; push likewise (never digested).
The in-app row is written by ``notify`` itself, in the caller's transaction.

Account mail (``configurable=False`` kinds) and mail to an address with no account go out at
once, without preferences and without an unsubscribe link.
"""

import uuid
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.bus import Event, EventBus
from core.infra.database import Database
from core.infra.mail.address import EmailAddress
from core.infra.outbox import add_event, idempotent
from platform_api.auth.models import User
from platform_api.notifications.delivery import Channel, Delivery
from platform_api.notifications.kinds import kind_of
from platform_api.notifications.preferences import channels_for, schedule_for
from platform_api.notifications.push import has_subscription
from platform_api.notifications.schedule import Digest, release_time
from platform_api.notifications.templates import DEFAULT_LOCALE

NOTIFICATION_REQUESTED = "notification.requested"
CONSUMER = "notifications.dispatcher"


class NotificationRequested(BaseModel):
    kind: str
    to: EmailAddress
    recipient_id: uuid.UUID | None = None
    variables: dict[str, Any]


def request_notification(
    session: AsyncSession,
    kind: str,
    to: str,
    variables: dict[str, Any],
    recipient_id: uuid.UUID | None = None,
) -> None:
    """Ask the dispatcher, in the caller's transaction, to tell ``to`` (an account, if given)."""
    request = NotificationRequested(
        kind=kind, to=to, recipient_id=recipient_id, variables=variables
    )
    add_event(session, NOTIFICATION_REQUESTED, request.model_dump(mode="json"))


async def dispatch(
    session: AsyncSession, request: NotificationRequested, delivery: Delivery
) -> None:
    kind = kind_of(request.kind)
    recipient = (
        await session.get(User, request.recipient_id) if request.recipient_id is not None else None
    )
    if request.recipient_id is not None and recipient is None:
        return  # the account was erased meanwhile
    variables = delivery.variables(recipient, request.variables)
    if recipient is None or not kind.configurable:
        locale = recipient.locale if recipient is not None else DEFAULT_LOCALE
        await delivery.email(session, kind, request.to, locale, variables)
        return
    await _by_preference(session, request.kind, recipient, variables, delivery)


async def _by_preference(
    session: AsyncSession,
    kind_name: str,
    recipient: User,
    variables: dict[str, Any],
    delivery: Delivery,
) -> None:
    kind = kind_of(kind_name)
    channels = await channels_for(session, recipient.id, kind_name)
    schedule = await schedule_for(session, recipient)
    now = delivery.clock()
    if channels.email:
        digest = schedule.digest is not Digest.OFF
        release_at = release_time(now, schedule, digest=digest)
        if release_at is None:
            await delivery.email(
                session,
                kind,
                recipient.email,
                recipient.locale,
                variables,
                [kind.name],
                recipient.id,
            )
        else:
            delivery.hold(
                session,
                recipient.id,
                kind_name,
                Channel.EMAIL,
                variables,
                release_at,
                digest=digest,
            )
    if channels.push and await has_subscription(session, recipient.id):
        release_at = release_time(now, schedule, digest=False)
        if release_at is None:
            await delivery.push(session, kind, recipient, variables)
        else:
            delivery.hold(session, recipient.id, kind_name, Channel.PUSH, variables, release_at)


async def subscribe_dispatcher(bus: EventBus, database: Database, delivery: Delivery) -> None:
    async def handle(session: AsyncSession, event: Event) -> None:
        await dispatch(session, NotificationRequested.model_validate(event.payload), delivery)

    await bus.subscribe(CONSUMER, [NOTIFICATION_REQUESTED], idempotent(database, CONSUMER, handle))
