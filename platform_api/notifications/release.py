"""Sends what was held: e-mail and push after quiet hours, and each digest as one e-mail.

A periodic task calls ``release_due`` with the delivery's clock. Rows are claimed ``FOR UPDATE
SKIP LOCKED`` and deleted in the transaction that queues their messages in the outbox, so several
API processes never send a held message twice. Preferences are read again at release: e-mail
that the person turned off meanwhile (say, from an unsubscribe link) is dropped.
"""

import itertools
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.database import Database
from core.infra.periodic import PeriodicTask
from platform_api.auth.models import User
from platform_api.notifications.delivery import Channel, Delivery
from platform_api.notifications.kinds import DIGEST, kind_of
from platform_api.notifications.models import HeldDelivery
from platform_api.notifications.preferences import channels_for, schedule_for
from platform_api.notifications.templates import render_notification

logger = logging.getLogger(__name__)

BATCH = 500


async def _wanted(session: AsyncSession, row: HeldDelivery) -> bool:
    channels = await channels_for(session, row.recipient_id, row.kind)
    return channels.email if row.channel == Channel.EMAIL else channels.push


async def _release_one(
    session: AsyncSession, delivery: Delivery, recipient: User, row: HeldDelivery
) -> None:
    kind = kind_of(row.kind)
    if row.channel == Channel.PUSH:
        await delivery.push(session, kind, recipient, row.variables)
        return
    await delivery.email(
        session, kind, recipient.email, recipient.locale, row.variables, [kind.name], recipient.id
    )


async def _digest_item(session: AsyncSession, locale: str, row: HeldDelivery) -> dict[str, Any]:
    variables = {**row.variables, "unsubscribe_url": ""}
    rendered = await render_notification(session, kind_of(row.kind), locale, variables)
    return {"kind": row.kind, "subject": rendered.subject, "body": variables.get("body", "")}


async def _release_digest(
    session: AsyncSession, delivery: Delivery, recipient: User, rows: list[HeldDelivery]
) -> None:
    items = [await _digest_item(session, recipient.locale, row) for row in rows]
    schedule = await schedule_for(session, recipient)
    variables = delivery.variables(
        recipient, {"items": items, "count": len(items), "period": schedule.digest.value}
    )
    kinds = sorted({kind_of(row.kind).name for row in rows})
    await delivery.email(
        session, DIGEST, recipient.email, recipient.locale, variables, kinds, recipient.id
    )


async def _release_recipient(
    session: AsyncSession, delivery: Delivery, rows: list[HeldDelivery]
) -> int:
    recipient = await session.get(User, rows[0].recipient_id)
    wanted = [row for row in rows if await _wanted(session, row)]
    for row in rows:
        await session.delete(row)
    if recipient is None or not recipient.is_active:
        return 0
    digested = [row for row in wanted if row.digest]
    for row in wanted:
        if not row.digest:
            await _release_one(session, delivery, recipient, row)
    if digested:
        await _release_digest(session, delivery, recipient, digested)
    return len(wanted)


async def release_due(database: Database, delivery: Delivery, now: datetime) -> int:
    """Queue every held message due at ``now``; return how many were released."""
    released = 0
    while True:
        async with database.session() as session, session.begin():
            rows = list(
                await session.scalars(
                    select(HeldDelivery)
                    .where(HeldDelivery.release_at <= now)
                    .order_by(HeldDelivery.recipient_id, HeldDelivery.created_at)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            )
            for _, group in itertools.groupby(rows, key=lambda row: row.recipient_id):
                released += await _release_recipient(session, delivery, list(group))
        if len(rows) < BATCH:
            return released


def start_release(database: Database, delivery: Delivery, period_seconds: float) -> PeriodicTask:
    async def release() -> None:
        released = await release_due(database, delivery, delivery.clock())
        if released:
            logger.info("held notifications released", extra={"count": released})

    task = PeriodicTask("notification-release", release, period_seconds)
    task.start()
    return task
