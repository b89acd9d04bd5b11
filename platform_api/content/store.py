"""The job runner's side of the database: claiming topics under a lease, storing results once.

A topic is claimed with ``FOR UPDATE SKIP LOCKED`` and a fresh lease token; its result is stored
only while that lease still holds, in one transaction with the draft lesson, its items and their
first versions. So a worker that died, or was presumed dead and came back, can never store a
topic twice: after a crash the topic is claimed again and generated from the start.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from agents.content.prompts import PROMPT_VERSION
from agents.content.schemas import MultipleChoiceItem, NumericItem
from core.curriculum.models import (
    AssessmentItem,
    AssessmentItemVersion,
    AuthorKind,
    Course,
    ItemKind,
    Lesson,
    LessonStatus,
    LessonVersion,
)
from core.infra.database import Database, utcnow
from graphs.content_gen.state import GeneratedItem, TopicRequest, TopicResult
from platform_api import models as _all_tables  # noqa: F401  (workers need every foreign key's table)
from platform_api.content.events import record_job_finished, record_topic_ended
from platform_api.content.models import (
    ContentJob,
    ContentTopic,
    JobStatus,
    TopicStatus,
)
from platform_api.mastery.objectives import sync_lesson_objectives

ACTIVE_JOB_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)
OPEN_JOB_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.CANCELLING)
# A topic whose worker died this many times is given up, not retried for ever.
MAX_CLAIMS = 3
OPTION_LABELS = "abcd"


@dataclass(frozen=True)
class Claim:
    topic_id: uuid.UUID
    job_id: uuid.UUID
    lease_token: uuid.UUID


def _claimable(now: Any) -> Any:
    return or_(
        ContentTopic.status == TopicStatus.QUEUED,
        and_(ContentTopic.status == TopicStatus.RUNNING, ContentTopic.lease_expires_at < now),
    )


async def _running_per_tenant(session: AsyncSession) -> dict[uuid.UUID, int]:
    statement = (
        select(ContentJob.tenant_id, func.count())
        .join(ContentTopic, ContentTopic.job_id == ContentJob.id)
        .where(
            ContentTopic.status == TopicStatus.RUNNING, ContentTopic.lease_expires_at >= utcnow()
        )
        .group_by(ContentJob.tenant_id)
    )
    return {tenant: count for tenant, count in (await session.execute(statement)).all()}


async def claim_topics(
    database: Database,
    limit: int,
    lease_seconds: float,
    tenant_max_running: int,
    job_id: uuid.UUID | None = None,
) -> list[Claim]:
    """Up to ``limit`` topics of active jobs (or of ``job_id`` only), oldest job first, within
    each tenant's limit."""
    now = utcnow()
    async with database.session() as session, session.begin():
        running = await _running_per_tenant(session)
        statement = (
            select(ContentTopic, ContentJob)
            .join(ContentJob, ContentJob.id == ContentTopic.job_id)
            .where(ContentJob.status.in_(ACTIVE_JOB_STATUSES), _claimable(now))
            .order_by(ContentJob.created_at, ContentTopic.row)
            .limit(limit * 4)
            .with_for_update(of=ContentTopic, skip_locked=True)
        )
        if job_id is not None:
            statement = statement.where(ContentJob.id == job_id)
        claims: list[Claim] = []
        for topic, job in (await session.execute(statement)).all():
            if len(claims) == limit:
                break
            if topic.attempts >= MAX_CLAIMS:
                _give_up(session, topic, f"its worker died {topic.attempts} times")
                continue
            if running.get(job.tenant_id, 0) >= tenant_max_running:
                continue
            running[job.tenant_id] = running.get(job.tenant_id, 0) + 1
            claims.append(_lease(topic, job, lease_seconds))
        return claims


def _lease(topic: ContentTopic, job: ContentJob, lease_seconds: float) -> Claim:
    topic.status = TopicStatus.RUNNING
    topic.lease_token = uuid.uuid4()
    topic.lease_expires_at = utcnow() + timedelta(seconds=lease_seconds)
    topic.attempts += 1
    topic.started_at = utcnow()
    if job.status is JobStatus.QUEUED:
        job.status, job.started_at = JobStatus.RUNNING, utcnow()
    return Claim(topic.id, job.id, topic.lease_token)


def _give_up(session: AsyncSession, topic: ContentTopic, reason: str) -> None:
    topic.status, topic.error, topic.finished_at = TopicStatus.FAILED, reason, utcnow()
    topic.lease_token = topic.lease_expires_at = None
    record_topic_ended(session, topic)


async def has_claimable(database: Database) -> bool:
    """Whether any active job has a topic to claim (a cheap check for an idle runner)."""
    statement = (
        select(ContentTopic.id)
        .join(ContentJob, ContentJob.id == ContentTopic.job_id)
        .where(ContentJob.status.in_(ACTIVE_JOB_STATUSES), _claimable(utcnow()))
        .exists()
    )
    async with database.session() as session:
        return bool(await session.scalar(select(statement)))


async def renew_leases(database: Database, claims: list[Claim], lease_seconds: float) -> None:
    if not claims:
        return
    async with database.session() as session, session.begin():
        await session.execute(
            update(ContentTopic)
            .where(
                ContentTopic.lease_token.in_([c.lease_token for c in claims]),
                ContentTopic.status == TopicStatus.RUNNING,
            )
            .values(lease_expires_at=utcnow() + timedelta(seconds=lease_seconds))
        )


async def _held(session: AsyncSession, claim: Claim) -> ContentTopic | None:
    """The topic, locked, if this claim still holds its lease."""
    topic = await session.get(ContentTopic, claim.topic_id, with_for_update=True)
    if topic is None or topic.lease_token != claim.lease_token:
        return None
    if topic.status is not TopicStatus.RUNNING:
        return None
    return topic


async def release(
    database: Database, claim: Claim, reason: str, *, count_attempt: bool = True
) -> None:
    """Queue the topic again: its worker died (or gave up after ``MAX_CLAIMS`` of those), or,
    with ``count_attempt=False``, something outside it failed (the LLM was unreachable)."""
    async with database.session() as session, session.begin():
        topic = await _held(session, claim)
        if topic is None:
            return
        topic.error = reason
        if not count_attempt:
            topic.attempts -= 1
        elif topic.attempts >= MAX_CLAIMS:
            _give_up(session, topic, f"{reason} ({topic.attempts} times)")
            return
        topic.status, topic.lease_token, topic.lease_expires_at = TopicStatus.QUEUED, None, None


async def cancel_topic(database: Database, claim: Claim) -> None:
    async with database.session() as session, session.begin():
        topic = await _held(session, claim)
        if topic is not None:
            topic.status, topic.finished_at = TopicStatus.CANCELLED, utcnow()
            topic.lease_token = topic.lease_expires_at = None
            record_topic_ended(session, topic)


async def cancelling_jobs(database: Database) -> set[uuid.UUID]:
    async with database.session() as session:
        statement = select(ContentJob.id).where(ContentJob.status == JobStatus.CANCELLING)
        return set((await session.scalars(statement)).all())


async def topic_request(database: Database, topic_id: uuid.UUID) -> TopicRequest:
    async with database.session() as session:
        topic = await session.get(ContentTopic, topic_id)
        if topic is None:
            raise LookupError(f"no topic {topic_id}")
        job = await session.get(ContentJob, topic.job_id)
        course = await session.get(Course, job.course_id) if job else None
        if job is None or course is None:
            raise LookupError(f"the job or course of topic {topic_id} is gone")
        return TopicRequest(
            course_id=course.id,
            course_title=course.title,
            topic=topic.topic,
            objectives=topic.objectives,
            **job.options,
        )


def _item_columns(entry: GeneratedItem) -> dict[str, Any]:
    item = entry.item
    if isinstance(item, MultipleChoiceItem):
        return {
            "kind": ItemKind.MULTIPLE_CHOICE,
            "options": [
                {"label": OPTION_LABELS[i], "text": option.text}
                for i, option in enumerate(item.options)
            ],
            "answer": OPTION_LABELS[item.key],
            "solution": item.options[item.key].rationale,
        }
    if isinstance(item, NumericItem):
        return {
            "kind": ItemKind.NUMERIC,
            "options": [],
            "answer": f"{item.answer:g}",
            "solution": item.rubric,
        }
    assert item is not None
    return {
        "kind": ItemKind.SHORT_ANSWER,
        "options": [],
        "answer": item.model_answer,
        "solution": "; ".join(item.rubric),
    }


def item_snapshot(item: AssessmentItem) -> dict[str, Any]:
    """What a version of an item records."""
    return {
        "kind": item.kind.value,
        "prompt": item.prompt,
        "options": item.options,
        "answer": item.answer,
        "solution": item.solution,
        "details": item.details,
        "hints": item.hints,
    }


def _add_lesson(
    session: AsyncSession, job: ContentJob, topic: ContentTopic, result: TopicResult
) -> Lesson:
    lesson = Lesson(
        id=uuid.uuid4(),
        course_id=job.course_id,
        unit_id=job.unit_id,
        title=topic.topic,
        body_markdown=result.lesson_markdown,
        objectives=[objective.text for objective in result.objectives],
        key_terms=[],
        assets=[],
        position=topic.row,
        status=LessonStatus.REVIEW,
        version=1,
    )
    session.add(lesson)
    session.add(
        LessonVersion(
            lesson_id=lesson.id,
            version=1,
            title=lesson.title,
            body_markdown=lesson.body_markdown,
            objectives=lesson.objectives,
            status=lesson.status,
            author_kind=AuthorKind.MODEL,
            model_name=job.model_name,
            prompt_version=PROMPT_VERSION,
            change_note=f"generated by content job {job.id}",
        )
    )
    return lesson


def _add_items(session: AsyncSession, job: ContentJob, lesson: Lesson, result: TopicResult) -> None:
    for position, entry in enumerate(e for e in result.items if e.item is not None):
        assert entry.item is not None
        item = AssessmentItem(
            id=uuid.uuid4(),
            lesson_id=lesson.id,
            course_id=lesson.course_id,
            prompt=entry.item.stem,
            position=position,
            details=entry.item.model_dump(mode="json"),
            hints=entry.hints,
            verdicts=[v.model_dump(mode="json") for v in entry.verdicts],
            version=1,
            **_item_columns(entry),
        )
        session.add(item)
        session.add(
            AssessmentItemVersion(
                item_id=item.id,
                version=1,
                snapshot=item_snapshot(item),
                author_kind=AuthorKind.MODEL,
                model_name=job.model_name,
                prompt_version=PROMPT_VERSION,
                change_note="generated",
            )
        )


async def store_result(
    database: Database, claim: Claim, result: TopicResult, wall_seconds: float
) -> bool:
    """Store a topic's result under its lease; False (nothing written) if the lease was lost."""
    async with database.session() as session, session.begin():
        topic = await _held(session, claim)
        job = await session.get(ContentJob, claim.job_id)
        if topic is None or job is None:
            return False
        if result.lesson_markdown:
            lesson = _add_lesson(session, job, topic, result)
            await sync_lesson_objectives(session, lesson)  # flushes it
            _add_items(session, job, lesson, result)
            topic.lesson_id = lesson.id
        topic.status = TopicStatus(result.status.value)
        topic.result = result.model_dump(mode="json", exclude={"failures"})
        topic.failures = [f.model_dump(mode="json") for f in result.failures]
        topic.error = result.failures[-1].error if result.failures else None
        topic.first_pass_checks = result.first_pass_checks
        topic.first_pass_passed = result.first_pass_passed
        topic.llm_seconds, topic.wall_seconds = result.llm_seconds, wall_seconds
        topic.finished_at = utcnow()
        topic.lease_token = topic.lease_expires_at = None
        record_topic_ended(session, topic)
        return True


async def finish_jobs(database: Database) -> list[uuid.UUID]:
    """Close every open job with no topic left to run; report each with one event."""
    open_topics = (
        select(ContentTopic.id)
        .where(
            ContentTopic.job_id == ContentJob.id,
            ContentTopic.status.in_([TopicStatus.QUEUED, TopicStatus.RUNNING]),
        )
        .exists()
    )
    async with database.session() as session, session.begin():
        statement = (
            select(ContentJob)
            .where(ContentJob.status.in_(OPEN_JOB_STATUSES), ~open_topics)
            .with_for_update(skip_locked=True)
        )
        jobs = list((await session.scalars(statement)).all())
        for job in jobs:
            job.status = (
                JobStatus.CANCELLED if job.status is JobStatus.CANCELLING else JobStatus.FINISHED
            )
            job.finished_at = utcnow()
            await record_job_finished(session, job)
        return [job.id for job in jobs]
