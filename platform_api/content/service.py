"""Content jobs: submit (idempotently), follow (progress, ETA), list, cancel."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from agents.content.prompts import PROMPT_VERSION
from core.curriculum.models import (
    Course,
    Unit,
)
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.infra.database import utcnow
from platform_api.auth.models import Role
from platform_api.auth.tokens import AccessClaims
from platform_api.content.events import record_job_finished
from platform_api.content.models import (
    FINAL_TOPIC_STATUSES,
    ContentJob,
    ContentTopic,
    JobStatus,
    TopicStatus,
)
from platform_api.content.schemas import (
    JobOptions,
    JobOut,
    TopicOut,
)
from platform_api.content.topics_input import ParsedTopics


async def content_course(
    session: AsyncSession, actor: AccessClaims, course_id: uuid.UUID
) -> Course:
    """Content editors and admins work on any course; a teacher on the courses they own."""
    course = await session.get(Course, course_id)
    if course is None:
        raise NotFound("No such course.", {"course_id": str(course_id)})
    if actor.role in (Role.CONTENT_EDITOR, Role.ADMIN) or course.owner_id == actor.user_id:
        return course
    raise Forbidden("Only content editors, admins and the course's owner generate its content.")


async def _drafts_unit(session: AsyncSession, course: Course) -> Unit:
    last = await session.scalar(select(func.max(Unit.position)).where(Unit.course_id == course.id))
    unit = Unit(
        course_id=course.id,
        title=f"Generated drafts {datetime.now(UTC):%Y-%m-%d %H:%M}",
        position=0 if last is None else last + 1,
    )
    session.add(unit)
    await session.flush()
    return unit


async def _existing_job(
    session: AsyncSession, actor: AccessClaims, idempotency_key: str | None
) -> ContentJob | None:
    if not idempotency_key:
        return None
    return await session.scalar(
        select(ContentJob).where(
            ContentJob.created_by == actor.user_id, ContentJob.idempotency_key == idempotency_key
        )
    )


async def submit_job(
    session: AsyncSession,
    actor: AccessClaims,
    course_id: uuid.UUID,
    parsed: ParsedTopics,
    options: JobOptions,
    *,
    model_name: str,
    max_topics: int,
    webhook_url: str | None = None,
    idempotency_key: str | None = None,
) -> ContentJob:
    """Store a job and its good rows; the same ``idempotency_key`` returns the same job."""
    course = await content_course(session, actor, course_id)
    existing = await _existing_job(session, actor, idempotency_key)
    if existing is not None:
        return existing
    errors = [error.model_dump() for error in parsed.errors]
    if not parsed.rows:
        raise ValidationFailed("No topic can be generated: every row was refused.", errors)
    if len(parsed.rows) > max_topics:
        raise ValidationFailed(
            f"A job holds at most {max_topics} topics.", {"topics": len(parsed.rows)}
        )
    if options.reading_grade is None:
        options = options.model_copy(update={"reading_grade": course.reading_grade})
    unit = await _drafts_unit(session, course)
    job = ContentJob(
        id=uuid.uuid4(),
        course_id=course.id,
        unit_id=unit.id,
        tenant_id=course.curriculum_id,
        created_by=actor.user_id,
        idempotency_key=idempotency_key,
        status=JobStatus.QUEUED,
        options=options.model_dump(mode="json"),
        webhook_url=webhook_url,
        total=len(parsed.rows),
        input_errors=errors,
        model_name=model_name,
        prompt_version=PROMPT_VERSION,
    )
    session.add(job)
    session.add_all(
        ContentTopic(
            job_id=job.id,
            row=row.row,
            topic=row.topic,
            objectives=row.objectives,
            objective_id=row.objective_id,
            status=TopicStatus.QUEUED,
            attempts=0,
            failures=[],
        )
        for row in parsed.rows
    )
    try:
        await session.commit()
    except IntegrityError:  # the same key, submitted at the same moment by another request
        await session.rollback()
        again = await _existing_job(session, actor, idempotency_key)
        if again is None:
            raise
        return again
    return job


async def readable_job(session: AsyncSession, actor: AccessClaims, job_id: uuid.UUID) -> ContentJob:
    job = await session.get(ContentJob, job_id)
    if job is None:
        raise NotFound("No such content job.")
    try:
        await content_course(session, actor, job.course_id)
    except Forbidden as error:
        raise NotFound("No such content job.") from error
    return job


async def job_progress(session: AsyncSession, job: ContentJob) -> JobOut:
    counts = dict(
        (
            await session.execute(
                select(ContentTopic.status, func.count())
                .where(ContentTopic.job_id == job.id)
                .group_by(ContentTopic.status)
            )
        ).all()
    )
    finished = sum(n for status, n in counts.items() if status in FINAL_TOPIC_STATUSES)
    eta = None
    if job.started_at and finished and finished < job.total:
        elapsed = (utcnow() - job.started_at).total_seconds()
        eta = round(elapsed / finished * (job.total - finished), 1)
    return JobOut(
        id=job.id,
        course_id=job.course_id,
        unit_id=job.unit_id,
        status=job.status,
        total=job.total,
        topics_by_status={status.value: n for status, n in counts.items()},
        percent=round(100 * finished / max(1, job.total), 1),
        eta_seconds=eta,
        input_errors=job.input_errors,
        options=JobOptions.model_validate(job.options),
        model_name=job.model_name,
        prompt_version=job.prompt_version,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


async def list_jobs(
    session: AsyncSession, actor: AccessClaims, course_id: uuid.UUID, limit: int, offset: int
) -> list[JobOut]:
    await content_course(session, actor, course_id)
    jobs = await session.scalars(
        select(ContentJob)
        .where(ContentJob.course_id == course_id)
        .order_by(ContentJob.created_at.desc())
        .limit(limit)
        .offset(offset)
    )
    return [await job_progress(session, job) for job in jobs]


async def job_topics(session: AsyncSession, job: ContentJob) -> list[TopicOut]:
    topics = await session.scalars(
        select(ContentTopic).where(ContentTopic.job_id == job.id).order_by(ContentTopic.row)
    )
    return [TopicOut.model_validate(topic) for topic in topics]


async def cancel_job(session: AsyncSession, job: ContentJob) -> ContentJob:
    """Queued topics are cancelled now; running ones by the runner, which then closes the job."""
    if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        raise Conflict(f"A {job.status.value} job cannot be cancelled.")
    await session.execute(
        update(ContentTopic)
        .where(ContentTopic.job_id == job.id, ContentTopic.status == TopicStatus.QUEUED)
        .values(status=TopicStatus.CANCELLED, finished_at=utcnow())
    )
    running = await session.scalar(
        select(func.count()).where(
            ContentTopic.job_id == job.id, ContentTopic.status == TopicStatus.RUNNING
        )
    )
    if running:
        job.status = JobStatus.CANCELLING
    else:
        job.status, job.finished_at = JobStatus.CANCELLED, utcnow()
        await record_job_finished(session, job)
    await session.commit()
    return job
