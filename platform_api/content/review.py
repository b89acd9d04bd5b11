"""The review of generated content: the queue, edits (versioned, with their author), decisions.

Approval publishes the lesson, which re-indexes it for the tutor; rejection sends it back to
draft with the reason. Nothing generated reaches learners without a person's approval.
"""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import (
    AssessmentItem,
    AssessmentItemVersion,
    Lesson,
    LessonStatus,
)
from core.errors import Conflict, Forbidden, NotFound, PreconditionFailed, ValidationFailed
from core.infra.database import utcnow
from platform_api.auth.tokens import AccessClaims
from platform_api.content.models import ContentJob, ContentTopic, ReviewStatus, TopicStatus
from platform_api.content.schemas import (
    GeneratedItemOut,
    ItemEdit,
    LessonEdit,
    ReviewDecision,
    ReviewEntry,
    TopicOut,
)
from platform_api.content.service import content_course, readable_job
from platform_api.content.store import item_snapshot
from platform_api.curriculum.lesson_cache import PublishedLessonCache
from platform_api.curriculum.service import commit_new_version
from platform_api.mastery.calibration import flagged_items
from platform_api.mastery.schemas import FlaggedItem

REVIEWABLE = (TopicStatus.DONE, TopicStatus.NEEDS_REVIEW)


async def _reviewable_topic(
    session: AsyncSession, actor: AccessClaims, topic_id: uuid.UUID
) -> tuple[ContentTopic, ContentJob]:
    topic = await session.get(ContentTopic, topic_id, with_for_update=True)
    job = await session.get(ContentJob, topic.job_id) if topic else None
    if topic is None or job is None:
        raise NotFound("No such generated topic.")
    await readable_job(session, actor, job.id)
    return topic, job


async def review_queue(
    session: AsyncSession, actor: AccessClaims, course_id: uuid.UUID, limit: int, offset: int
) -> list[TopicOut]:
    """Generated topics awaiting a decision, those whose checks failed first."""
    await content_course(session, actor, course_id)
    topics = await session.scalars(
        select(ContentTopic)
        .join(ContentJob, ContentJob.id == ContentTopic.job_id)
        .where(
            ContentJob.course_id == course_id,
            ContentTopic.status.in_(REVIEWABLE),
            ContentTopic.review_status == ReviewStatus.PENDING,
        )
        .order_by(ContentTopic.status, ContentTopic.finished_at)
        .limit(limit)
        .offset(offset)
    )
    return [TopicOut.model_validate(topic) for topic in topics]


async def flagged_items_for_review(
    session: AsyncSession, actor: AccessClaims, course_id: uuid.UUID, limit: int, offset: int
) -> list[FlaggedItem]:
    """Items that live responses flag (too easy, too hard, negative discrimination), with the
    figures (``wc items calibrate`` computes them), for editors and the generator to rewrite."""
    await content_course(session, actor, course_id)
    return await flagged_items(session, course_id, limit, offset)


async def review_entry(
    session: AsyncSession, actor: AccessClaims, topic_id: uuid.UUID
) -> ReviewEntry:
    topic, _ = await _reviewable_topic(session, actor, topic_id)
    lesson = await session.get(Lesson, topic.lesson_id) if topic.lesson_id else None
    items = []
    if lesson is not None:
        items = list(
            await session.scalars(
                select(AssessmentItem)
                .where(AssessmentItem.lesson_id == lesson.id)
                .order_by(AssessmentItem.position)
            )
        )
    result = topic.result or {}
    return ReviewEntry(
        topic=TopicOut.model_validate(topic),
        lesson_title=lesson.title if lesson else None,
        lesson_version=lesson.version if lesson else None,
        lesson_markdown=lesson.body_markdown if lesson else None,
        lesson_verdicts=result.get("lesson_verdicts", []),
        sources=result.get("sources", []),
        items=[GeneratedItemOut.model_validate(item) for item in items],
    )


async def decide(
    session: AsyncSession,
    actor: AccessClaims,
    topic_id: uuid.UUID,
    decision: ReviewDecision,
    cache: PublishedLessonCache,
) -> TopicOut:
    """Approval publishes the lesson (which re-indexes it for retrieval); rejection sends it
    back to draft with the reason."""
    topic, _ = await _reviewable_topic(session, actor, topic_id)
    if topic.status not in REVIEWABLE or topic.lesson_id is None:
        raise Conflict(f"A {topic.status.value} topic has nothing to review.")
    if topic.review_status is not ReviewStatus.PENDING:
        raise Conflict(f"This topic was already {topic.review_status.value}.")
    if decision.decision == "reject" and not decision.reason.strip():
        raise ValidationFailed("Say why the topic is rejected.", {"field": "reason"})
    lesson = await session.get(Lesson, topic.lesson_id, with_for_update=True)
    if lesson is None:
        raise Conflict("The generated lesson was deleted.")
    approved = decision.decision == "approve"
    topic.review_status = ReviewStatus.APPROVED if approved else ReviewStatus.REJECTED
    topic.reviewed_by, topic.reviewed_at = actor.user_id, utcnow()
    topic.review_reason = decision.reason or None
    lesson.status = LessonStatus.PUBLISHED if approved else LessonStatus.DRAFT
    if approved:
        lesson.published_at = utcnow()
    note = "approved" if approved else f"rejected: {decision.reason}"[:500]
    await commit_new_version(session, actor, lesson, note, cache)
    return TopicOut.model_validate(topic)


async def edit_lesson(
    session: AsyncSession,
    actor: AccessClaims,
    topic_id: uuid.UUID,
    body: LessonEdit,
    cache: PublishedLessonCache,
) -> ReviewEntry:
    """A reviewer's edit of a generated lesson: a new lesson version, authored by them."""
    topic, _ = await _reviewable_topic(session, actor, topic_id)
    lesson = (
        await session.get(Lesson, topic.lesson_id, with_for_update=True)
        if topic.lesson_id
        else None
    )
    if lesson is None:
        raise Conflict("This topic has no generated lesson to edit.")
    if body.version != lesson.version:
        raise PreconditionFailed(
            "The lesson changed since you read it.", {"version": lesson.version}
        )
    for field, value in body.model_dump(
        exclude_none=True, exclude={"version", "change_note"}
    ).items():
        setattr(lesson, field, value)
    await commit_new_version(session, actor, lesson, body.change_note, cache)
    return await review_entry(session, actor, topic_id)


async def _editable_item(
    session: AsyncSession, actor: AccessClaims, item_id: uuid.UUID
) -> AssessmentItem:
    item = await session.get(AssessmentItem, item_id, with_for_update=True)
    if item is None:
        raise NotFound("No such item.")
    try:
        await content_course(session, actor, item.course_id)
    except Forbidden as error:
        raise NotFound("No such item.") from error
    return item


async def edit_item(
    session: AsyncSession, actor: AccessClaims, item_id: uuid.UUID, body: ItemEdit
) -> AssessmentItem:
    item = await _editable_item(session, actor, item_id)
    if body.version != item.version:
        raise PreconditionFailed("The item changed since you read it.", {"version": item.version})
    changes = body.model_dump(exclude_none=True, exclude={"version", "change_note"})
    for field, value in changes.items():
        setattr(item, field, value)
    item.version += 1
    session.add(
        AssessmentItemVersion(
            item_id=item.id,
            version=item.version,
            snapshot=item_snapshot(item),
            author_id=actor.user_id,
            change_note=body.change_note,
        )
    )
    await session.commit()
    return item


async def item_versions(
    session: AsyncSession, actor: AccessClaims, item_id: uuid.UUID
) -> list[AssessmentItemVersion]:
    item = await _editable_item(session, actor, item_id)
    return list(
        await session.scalars(
            select(AssessmentItemVersion)
            .where(AssessmentItemVersion.item_id == item.id)
            .order_by(AssessmentItemVersion.version)
        )
    )
