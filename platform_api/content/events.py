"""``content.job.finished``: written with the job's last change, and sent to its webhook.

The webhook is a consumer of the event like any other: a failed POST (network error or a non-2xx
answer) raises, so the bus retries it with back-off and dead-letters it after its last attempt.
It goes through the webhooks' sender: the same refusal of private, loopback and metadata
addresses (unless allow-listed), checked on the address connected to.
Delivery is at least once; receivers deduplicate by the ``X-Water-Classroom-Event-Id`` header.
When ``WC_WEBHOOK_SECRET`` is set, the body is signed: ``X-Water-Classroom-Signature:
sha256=<hex HMAC-SHA256 of the body>``.
"""

import hashlib
import hmac
import json
import logging
import uuid
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.bus import Event, EventBus
from core.infra.database import Database
from core.infra.outbox import add_event, idempotent
from platform_api.content.models import ContentJob, ContentTopic, JobStatus, TopicStatus
from platform_api.webhooks.sender import WebhookSender

logger = logging.getLogger(__name__)

JOB_FINISHED = "content.job.finished"
TOPIC_ENDED = "content.topic.ended"
WEBHOOK_CONSUMER = "content.webhook"


class JobOutcome(BaseModel):
    """What ``content.job.finished`` tells every subscriber (its webhook schema, version 1)."""

    schema_version: Literal[1] = 1
    job_id: uuid.UUID
    course_id: uuid.UUID
    status: JobStatus
    total: int
    topics_by_status: dict[str, int]


class JobFinished(JobOutcome):
    """The event's payload: the outcome, and the job's own webhook (not shown to subscribers)."""

    webhook_url: str | None = None


class TopicEnded(BaseModel):
    """A topic of a job is done (generated, failed, given up or cancelled): the job's progress."""

    schema_version: Literal[1] = 1
    job_id: uuid.UUID
    topic_id: uuid.UUID
    status: TopicStatus


def record_topic_ended(session: AsyncSession, topic: ContentTopic) -> None:
    event = TopicEnded(job_id=topic.job_id, topic_id=topic.id, status=topic.status)
    add_event(session, TOPIC_ENDED, event.model_dump(mode="json"))


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


async def subscribe_job_webhooks(
    bus: EventBus, database: Database, secret: str, sender: WebhookSender
) -> None:
    """POST each finished job's event to the job's own ``webhook_url``, if it has one."""

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
        result = await sender.post(finished.webhook_url, body, headers)
        if not result.succeeded:  # the bus retries it, then dead-letters it
            raise JobWebhookFailed(f"{finished.webhook_url}: {result.error}")
        logger.info(
            "webhook delivered",
            extra={"job_id": str(finished.job_id), "status_code": result.status_code},
        )

    await bus.subscribe(
        WEBHOOK_CONSUMER, [JOB_FINISHED], idempotent(database, WEBHOOK_CONSUMER, deliver)
    )


class JobWebhookFailed(Exception):
    """A job's webhook answered with an error or could not be reached."""
