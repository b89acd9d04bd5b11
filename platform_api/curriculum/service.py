"""Curriculum behaviour: curricula → courses → units → lessons, versions and publishing."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from core.curriculum.events import LessonPublished, record_lesson_published
from core.curriculum.models import (
    AssessmentItem,
    Course,
    Curriculum,
    Lesson,
    LessonStatus,
    LessonVersion,
    Unit,
)
from core.errors import Conflict, NotFound, PreconditionFailed, PreconditionRequired
from platform_api.auth.tokens import AccessClaims
from platform_api.curriculum import access
from platform_api.curriculum.lesson_cache import PublishedLessonCache, lesson_etag
from platform_api.curriculum.schemas import (
    CourseCreate,
    CourseOut,
    CourseSummary,
    CurriculumCreate,
    ItemOut,
    LessonCreate,
    LessonSummary,
    LessonUpdate,
    StatusChange,
    UnitCreate,
    UnitOut,
)
from platform_api.mastery.objectives import sync_lesson_objectives

ALLOWED_TRANSITIONS: dict[LessonStatus, set[LessonStatus]] = {
    LessonStatus.DRAFT: {LessonStatus.REVIEW, LessonStatus.PUBLISHED},
    LessonStatus.REVIEW: {LessonStatus.DRAFT, LessonStatus.PUBLISHED},
    LessonStatus.PUBLISHED: {LessonStatus.DRAFT},
}


async def create_curriculum(
    session: AsyncSession, actor: AccessClaims, body: CurriculumCreate
) -> Curriculum:
    curriculum = Curriculum(title=body.title, description=body.description, owner_id=actor.user_id)
    session.add(curriculum)
    await session.commit()
    return curriculum


async def list_curricula(session: AsyncSession, limit: int, offset: int) -> list[Curriculum]:
    query = select(Curriculum).order_by(Curriculum.created_at).limit(limit).offset(offset)
    return list(await session.scalars(query))


async def course_catalogue(
    session: AsyncSession,
    actor: AccessClaims,
    limit: int,
    offset: int,
    curriculum_id: uuid.UUID | None = None,
) -> list[CourseSummary]:
    """The courses the caller can read something of, by title: those with a published lesson
    (readable by every signed-in user) and those the caller edits, even empty."""
    edits = access.edits_course_clause(actor)
    lessons = func.count(Lesson.id).filter(or_(Lesson.status == LessonStatus.PUBLISHED, edits))
    query = (
        select(Course, lessons)
        .outerjoin(Lesson, Lesson.course_id == Course.id)
        .group_by(Course.id)
        .having(or_(lessons > 0, edits))
        .order_by(Course.title, Course.id)
        .limit(limit)
        .offset(offset)
    )
    if curriculum_id is not None:
        query = query.where(Course.curriculum_id == curriculum_id)
    return [
        CourseSummary(
            id=course.id,
            curriculum_id=course.curriculum_id,
            title=course.title,
            description=course.description,
            reading_grade=course.reading_grade,
            lessons=count,
        )
        for course, count in (await session.execute(query)).all()
    ]


async def create_course(
    session: AsyncSession, actor: AccessClaims, curriculum_id: uuid.UUID, body: CourseCreate
) -> Course:
    curriculum = await access.editable_curriculum(session, actor, curriculum_id)
    course = Course(
        curriculum_id=curriculum.id,
        title=body.title,
        description=body.description,
        owner_id=curriculum.owner_id,
        reading_grade=body.reading_grade,
    )
    session.add(course)
    await session.commit()
    return course


async def course_outline(
    session: AsyncSession, actor: AccessClaims, course_id: uuid.UUID, course: Course | None = None
) -> CourseOut:
    """The course with its units and lessons; readers who cannot edit see published lessons only."""
    course = course or await session.get(Course, course_id)
    if course is None:
        raise NotFound("No such course.")
    editor = await access.can_edit_course(session, actor, course.id)
    units = list(
        await session.scalars(
            select(Unit).where(Unit.course_id == course.id).order_by(Unit.position)
        )
    )
    lessons_query = select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)
    if not editor:
        lessons_query = lessons_query.where(Lesson.status == LessonStatus.PUBLISHED)
    by_unit: dict[uuid.UUID, list[LessonSummary]] = {}
    for lesson in await session.scalars(lessons_query):
        by_unit.setdefault(lesson.unit_id, []).append(LessonSummary.model_validate(lesson))
    outline = CourseOut.model_validate(course)
    outline.units = [
        UnitOut.model_validate(unit).model_copy(update={"lessons": by_unit.get(unit.id, [])})
        for unit in units
    ]
    return outline


async def _next_position(
    session: AsyncSession,
    position: InstrumentedAttribute[int],
    parent: InstrumentedAttribute[uuid.UUID],
    parent_id: uuid.UUID,
) -> int:
    current = await session.scalar(select(func.max(position)).where(parent == parent_id))
    return 0 if current is None else int(current) + 1


async def create_unit(
    session: AsyncSession, actor: AccessClaims, course_id: uuid.UUID, body: UnitCreate
) -> Unit:
    course = await access.editable_course(session, actor, course_id)
    position = body.position
    if position is None:
        position = await _next_position(session, Unit.position, Unit.course_id, course.id)
    unit = Unit(
        course_id=course.id, title=body.title, position=position, group_title=body.group_title
    )
    session.add(unit)
    await session.commit()
    return unit


def _snapshot(lesson: Lesson, author_id: uuid.UUID | None, note: str) -> LessonVersion:
    return LessonVersion(
        lesson_id=lesson.id,
        version=lesson.version,
        title=lesson.title,
        body_markdown=lesson.body_markdown,
        objectives=list(lesson.objectives),
        status=lesson.status,
        author_id=author_id,
        change_note=note,
    )


async def create_lesson(
    session: AsyncSession, actor: AccessClaims, unit_id: uuid.UUID, body: LessonCreate
) -> Lesson:
    unit = await access.editable_unit(session, actor, unit_id)
    position = body.position
    if position is None:
        position = await _next_position(session, Lesson.position, Lesson.unit_id, unit.id)
    lesson = Lesson(
        course_id=unit.course_id,
        unit_id=unit.id,
        title=body.title,
        body_markdown=body.body_markdown,
        objectives=body.objectives,
        key_terms=[],
        assets=[asset.model_dump(mode="json") for asset in body.assets],
        position=position,
        status=LessonStatus.DRAFT,
        version=1,
        updated_by=actor.user_id,
    )
    session.add(lesson)
    await sync_lesson_objectives(session, lesson)  # flushes it
    session.add(_snapshot(lesson, actor.user_id, "created"))
    await session.commit()
    return lesson


def check_if_match(lesson: Lesson, if_match: str | None) -> None:
    """Optimistic concurrency: the client must name the version it edits."""
    if not if_match:
        raise PreconditionRequired("Send If-Match with the lesson's ETag.")
    current = lesson_etag(lesson.id, lesson.version)
    if current not in {tag.strip() for tag in if_match.split(",")} and if_match.strip() != "*":
        raise PreconditionFailed("The lesson changed since you read it.", {"current_etag": current})


async def commit_new_version(
    session: AsyncSession,
    actor: AccessClaims,
    lesson: Lesson,
    note: str,
    cache: PublishedLessonCache,
) -> Lesson:
    lesson.version += 1
    lesson.updated_at = datetime.now(UTC)
    lesson.updated_by = actor.user_id
    session.add(_snapshot(lesson, actor.user_id, note))
    await sync_lesson_objectives(session, lesson)
    if lesson.status is LessonStatus.PUBLISHED:
        record_lesson_published(
            session,
            LessonPublished(
                lesson_id=lesson.id,
                course_id=lesson.course_id,
                version=lesson.version,
                title=lesson.title,
            ),
        )
    await session.commit()
    await cache.invalidate(lesson.id)
    return lesson


async def update_lesson(
    session: AsyncSession,
    actor: AccessClaims,
    lesson_id: uuid.UUID,
    if_match: str | None,
    body: LessonUpdate,
    cache: PublishedLessonCache,
) -> Lesson:
    lesson = await access.editable_lesson(session, actor, lesson_id)
    check_if_match(lesson, if_match)
    changes = body.model_dump(exclude_none=True, exclude={"change_note"}, mode="json")
    for field, value in changes.items():
        setattr(lesson, field, value)
    return await commit_new_version(session, actor, lesson, body.change_note or "edited", cache)


async def change_status(
    session: AsyncSession,
    actor: AccessClaims,
    lesson_id: uuid.UUID,
    if_match: str | None,
    body: StatusChange,
    cache: PublishedLessonCache,
) -> Lesson:
    lesson = await access.editable_lesson(session, actor, lesson_id)
    check_if_match(lesson, if_match)
    if body.status not in ALLOWED_TRANSITIONS[lesson.status]:
        raise Conflict(
            f"A {lesson.status.value} lesson cannot become {body.status.value}.",
            {"allowed": sorted(s.value for s in ALLOWED_TRANSITIONS[lesson.status])},
        )
    lesson.status = body.status
    if body.status is LessonStatus.PUBLISHED:
        lesson.published_at = datetime.now(UTC)
    return await commit_new_version(
        session, actor, lesson, body.change_note or body.status.value, cache
    )


async def lesson_versions(
    session: AsyncSession, actor: AccessClaims, lesson_id: uuid.UUID
) -> list[LessonVersion]:
    await access.editable_lesson(session, actor, lesson_id)
    query = select(LessonVersion).where(LessonVersion.lesson_id == lesson_id)
    return list(await session.scalars(query.order_by(LessonVersion.version)))


async def lesson_items(
    session: AsyncSession, actor: AccessClaims, lesson_id: uuid.UUID
) -> list[ItemOut]:
    lesson = await access.readable_lesson(session, actor, lesson_id)
    show_answers = await access.can_edit_course(session, actor, lesson.course_id)
    items = await session.scalars(
        select(AssessmentItem)
        .where(AssessmentItem.lesson_id == lesson.id)
        .order_by(AssessmentItem.position)
    )
    hidden = {} if show_answers else {"answer": None, "solution": None}
    return [ItemOut.model_validate(item).model_copy(update=hidden) for item in items]
