"""Server events pushed to the users they concern: grades released, notifications, content jobs'
progress and end.

One bus consumer (whichever process takes an event, once: ``idempotent``) turns each outbox
event into a frame on the user's channel; the fan-out carries it to that user's connections on
every process.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.bus import Event, EventBus
from core.infra.database import Database
from core.infra.outbox import idempotent
from platform_api.assessments.events import ASSESSMENT_GRADED, AssessmentGraded
from platform_api.content.events import JOB_FINISHED, TOPIC_ENDED, JobFinished, TopicEnded
from platform_api.content.models import ContentJob, ContentTopic, TopicStatus
from platform_api.notifications.dispatcher import NOTIFICATION_REQUESTED, NotificationRequested
from platform_api.notifications.preferences import channels_for
from platform_api.realtime.fanout import FanOut
from platform_api.realtime.pushes import push_to_user

CONSUMER = "realtime.pushes"


@dataclass(frozen=True)
class Push:
    user_id: uuid.UUID
    frame_type: str
    data: dict[str, Any]


async def grade_released(_: AsyncSession, event: Event) -> Push | None:
    graded = AssessmentGraded.model_validate(event.payload)
    data = graded.model_dump(
        mode="json",
        include={
            "sitting_id",
            "assignment_id",
            "assignment_title",
            "class_id",
            "score",
            "max_score",
            "grade_version",
        },
    )
    return Push(graded.learner_id, "grade.released", data)


async def content_job_finished(session: AsyncSession, event: Event) -> Push | None:
    finished = JobFinished.model_validate(event.payload)
    owner = await session.scalar(
        select(ContentJob.created_by).where(ContentJob.id == finished.job_id)
    )
    if owner is None:
        return None
    data = finished.model_dump(mode="json", include={"job_id", "course_id", "status", "total"})
    return Push(owner, "content.job", {**data, "topics_by_status": finished.topics_by_status})


async def content_job_progress(session: AsyncSession, event: Event) -> Push | None:
    """One more topic of a job is done: how many of how many, to the job's owner."""
    ended = TopicEnded.model_validate(event.payload)
    owner = await session.scalar(select(ContentJob.created_by).where(ContentJob.id == ended.job_id))
    if owner is None:
        return None
    counts = dict(
        (
            await session.execute(
                select(ContentTopic.status, func.count())
                .where(ContentTopic.job_id == ended.job_id)
                .group_by(ContentTopic.status)
            )
        ).all()
    )
    running = counts.get(TopicStatus.QUEUED, 0) + counts.get(TopicStatus.RUNNING, 0)
    total = sum(counts.values())
    data = {
        "job_id": str(ended.job_id),
        "topic_id": str(ended.topic_id),
        "status": ended.status.value,
        "done": total - running,
        "total": total,
    }
    return Push(owner, "content.job.progress", data)


async def notification(session: AsyncSession, event: Event) -> Push | None:
    """A notification for an account that keeps the in-app channel on for its kind."""
    request = NotificationRequested.model_validate(event.payload)
    if request.recipient_id is None:
        return None
    if not (await channels_for(session, request.recipient_id, request.kind)).in_app:
        return None
    data = {
        "kind": request.kind,
        "title": request.variables.get("title", ""),
        "body": request.variables.get("body", ""),
    }
    return Push(request.recipient_id, "notification", data)


PUSHES: dict[str, Callable[[AsyncSession, Event], Awaitable[Push | None]]] = {
    ASSESSMENT_GRADED: grade_released,
    NOTIFICATION_REQUESTED: notification,
    JOB_FINISHED: content_job_finished,
    TOPIC_ENDED: content_job_progress,
}


async def subscribe_pushes(bus: EventBus, database: Database, fanout: FanOut) -> None:
    async def push(session: AsyncSession, event: Event) -> None:
        found = await PUSHES[event.type](session, event)
        if found is not None:
            await push_to_user(fanout, found.user_id, found.frame_type, found.data)

    await bus.subscribe(CONSUMER, list(PUSHES), idempotent(database, CONSUMER, push))
