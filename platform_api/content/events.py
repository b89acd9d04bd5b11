"""``content.job.finished``: written with the job's last change, and sent to its webhook.

The webhook is a consumer of the event like any other: a failed POST (network error or a non-2xx
answer) raises, so the bus retries it with back-off and dead-letters it after its last attempt.
Delivery is at least once; receivers deduplicate by the ``X-Water-Classroom-Event-Id`` header.
When ``WC_WEBHOOK_SECRET`` is set, the body is signed: ``X-Water-Classroom-Signature:
sha256=<hex HMAC-SHA256 of the body>``.
"""

import hashlib
import hmac
import json
import logging
import uuid

import httpx
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.bus import Event, EventBus
from core.infra.database import Database
from core.infra.outbox import add_event, idempotent
from platform_api.content.models import ContentJob, ContentTopic, JobStatus

logger = logging.getLogger(__name__)

JOB_FINISHED = "content.job.finished"
WEBHOOK_CONSUMER = "content.webhook"


class JobFinished(BaseModel):
    job_id: uuid.UUID
    course_id: uuid.UUID
    status: JobStatus
    total: int
    topics_by_status: dict[str, int]
    webhook_url: str | None = None


async def record_job_finished(session: AsyncSession, job: ContentJob) -> None:
    counts = await session.execute(
        select(ContentTopic.status, func.count())
        .where(ContentTopic.job_id == job.id)
        .group_by(ContentTopic.status)
    )
    event = JobFinished(
        job_id=job.id,
        course_id=job.course_id,
        status=job.status,
        total=job.total,
        topics_by_status={status.value: count for status, count in counts.all()},
        webhook_url=job.webhook_url,
    )
    add_event(session, JOB_FINISHED, event.model_dump(mode="json"))


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def subscribe_webhooks(
    bus: EventBus, database: Database, secret: str, timeout_seconds: float
) -> None:
    async def deliver(_: AsyncSession, event: Event) -> None:
        finished = JobFinished.model_validate(event.payload)
        if not finished.webhook_url:
            return
        body = json.dumps(
            {"type": event.type, "id": str(event.id), "data": event.payload}, sort_keys=True
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Water-Classroom-Event": event.type,
            "X-Water-Classroom-Event-Id": str(event.id),
        }
        if secret:
            headers["X-Water-Classroom-Signature"] = signature(secret, body)
        async with httpx.AsyncClient(timeout=timeout_seconds) as http:
            response = await http.post(finished.webhook_url, content=body, headers=headers)
        response.raise_for_status()
        logger.info(
            "webhook delivered",
            extra={"job_id": str(finished.job_id), "status_code": response.status_code},
        )

    await bus.subscribe(
        WEBHOOK_CONSUMER, [JOB_FINISHED], idempotent(database, WEBHOOK_CONSUMER, deliver)
    )
