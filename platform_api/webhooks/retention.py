"""The delivery log is kept for ``WC_WEBHOOK_LOG_RETENTION_DAYS``: finished deliveries (sent or
dead) older than that go, with their attempts; pending ones stay whatever their age."""

import logging
from datetime import timedelta

from sqlalchemy import delete

from core.infra.database import Database, utcnow
from platform_api.webhooks.models import DeliveryStatus, WebhookDelivery

logger = logging.getLogger(__name__)
PURGE_PERIOD_SECONDS = 3600.0


async def purge_delivery_log(database: Database, retention_days: int) -> int:
    """Delete finished deliveries created more than ``retention_days`` ago; return how many."""
    cutoff = utcnow() - timedelta(days=retention_days)
    async with database.session() as session, session.begin():
        result = await session.execute(
            delete(WebhookDelivery).where(
                WebhookDelivery.status != DeliveryStatus.PENDING,
                WebhookDelivery.created_at < cutoff,
            )
        )
    purged = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if purged:
        logger.info("webhook delivery log purged", extra={"deliveries": purged})
    return purged
