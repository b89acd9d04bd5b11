"""Assignments: a class's teacher gives homework or an exam; accommodations per learner."""

import random
import uuid
from datetime import datetime

from sqlalchemy import Select, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import AssessmentItem, Lesson
from core.errors import NotFound, ValidationFailed
from platform_api.assessments.auth import is_enrolled, may_follow_class, taught_class
from platform_api.assessments.bank import ensure_snapshot, spec_of
from platform_api.assessments.models import (
    Accommodation,
    Assignment,
    AssignmentItem,
    AssignmentKind,
    ExamSitting,
    SittingReopening,
)
from platform_api.assessments.schemas import (
    MAX_ITEMS_PER_ASSIGNMENT,
    MAX_SEED,
    AccommodationIn,
    AccommodationOut,
    AssignmentCreate,
    AssignmentItemOut,
    AssignmentOut,
)
from platform_api.assessments.timing import deadline_for
from platform_api.auth.models import ParentLink, Role
from platform_api.auth.tokens import AccessClaims
from platform_api.classes.models import ClassCourse, Enrollment, SchoolClass


async def _chosen_items(session: AsyncSession, body: AssignmentCreate) -> list[AssessmentItem]:
    if body.lesson_id is not None:
        if await session.get(Lesson, body.lesson_id) is None:
            raise NotFound("No such lesson.", {"field": "lesson_id"})
        query = select(AssessmentItem).where(AssessmentItem.lesson_id == body.lesson_id)
        items = list(await session.scalars(query.order_by(AssessmentItem.position)))
        if not items:
            raise ValidationFailed("This lesson has no items.", {"field": "lesson_id"})
        return items[:MAX_ITEMS_PER_ASSIGNMENT]
    assert body.item_ids is not None
    found = {
        item.id: item
        for item in await session.scalars(
            select(AssessmentItem).where(AssessmentItem.id.in_(body.item_ids))
        )
    }
    unknown = [str(item_id) for item_id in body.item_ids if item_id not in found]
    if unknown:
        raise ValidationFailed("Unknown items.", {"field": "item_ids", "unknown": unknown})
    return [found[item_id] for item_id in body.item_ids]


async def _course_of(
    session: AsyncSession, school_class: SchoolClass, items: list[AssessmentItem]
) -> uuid.UUID:
    courses = {item.course_id for item in items}
    if len(courses) != 1:
        raise ValidationFailed("An assignment's items come from one course.", {"field": "item_ids"})
    course_id = courses.pop()
    if await session.get(ClassCourse, (school_class.id, course_id)) is None:
        raise ValidationFailed(
            "The class does not follow the items' course; assign the course to it first.",
            {"course_id": str(course_id)},
        )
    return course_id


async def create_assignment(
    session: AsyncSession, actor: AccessClaims, body: AssignmentCreate
) -> AssignmentOut:
    school_class = await taught_class(session, actor, body.class_id)
    items = await _chosen_items(session, body)
    course_id = await _course_of(session, school_class, items)
    seed = body.shuffle_seed
    assignment = Assignment(
        id=uuid.uuid4(),
        class_id=school_class.id,
        course_id=course_id,
        created_by=actor.user_id,
        shuffle_seed=random.SystemRandom().randrange(MAX_SEED) if seed is None else seed,
        **body.model_dump(exclude={"class_id", "item_ids", "lesson_id", "shuffle_seed"}),
    )
    session.add(assignment)
    await session.flush()
    for position, item in enumerate(items):
        await ensure_snapshot(session, item)
        session.add(
            AssignmentItem(
                assignment_id=assignment.id,
                item_id=item.id,
                position=position,
                points=spec_of(item).max_points,
            )
        )
    await session.commit()
    return await describe(session, assignment, staff=True)


async def describe(session: AsyncSession, assignment: Assignment, *, staff: bool) -> AssignmentOut:
    rows = list(
        await session.scalars(
            select(AssignmentItem)
            .where(AssignmentItem.assignment_id == assignment.id)
            .order_by(AssignmentItem.position)
        )
    )
    out = AssignmentOut.model_validate(assignment)
    out.item_count = len(rows)
    if staff:
        out.items = [
            AssignmentItemOut(item_id=r.item_id, position=r.position, points=r.points) for r in rows
        ]
        out.shuffle_seed = assignment.shuffle_seed
        accommodations = await session.scalars(
            select(Accommodation).where(Accommodation.assignment_id == assignment.id)
        )
        out.accommodations = [AccommodationOut.model_validate(a) for a in accommodations]
    return out


def _visible(actor: AccessClaims) -> Select[Assignment]:
    query = select(Assignment).join(SchoolClass, SchoolClass.id == Assignment.class_id)
    if actor.role is Role.ADMIN:
        return query
    if actor.role is Role.TEACHER:
        return query.where(SchoolClass.teacher_id == actor.user_id)
    if actor.role is Role.STUDENT:
        learners = select(Enrollment.class_id).where(Enrollment.student_id == actor.user_id)
        return query.where(Assignment.class_id.in_(learners))
    if actor.role is Role.PARENT:
        children = select(ParentLink.child_id).where(ParentLink.parent_id == actor.user_id)
        attended = select(Enrollment.class_id).where(Enrollment.student_id.in_(children))
        return query.where(Assignment.class_id.in_(attended))
    return query.where(false())


async def list_assignments(
    session: AsyncSession, actor: AccessClaims, class_id: uuid.UUID | None, limit: int, offset: int
) -> list[AssignmentOut]:
    query = _visible(actor)
    if class_id is not None:
        query = query.where(Assignment.class_id == class_id)
    query = query.order_by(Assignment.created_at.desc(), Assignment.id).limit(limit).offset(offset)
    staff = actor.role in (Role.ADMIN, Role.TEACHER)
    return [await describe(session, a, staff=staff) for a in await session.scalars(query)]


async def followed_assignment(
    session: AsyncSession, actor: AccessClaims, assignment_id: uuid.UUID
) -> tuple[Assignment, bool]:
    """The assignment if the actor may see it (404 otherwise), and whether they teach it."""
    assignment = await session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound("No such assignment.")
    school_class = await session.get(SchoolClass, assignment.class_id)
    if school_class is None or not await may_follow_class(session, actor, school_class):
        raise NotFound("No such assignment.")
    staff = actor.role is Role.ADMIN or school_class.teacher_id == actor.user_id
    return assignment, staff


async def get_assignment(
    session: AsyncSession, actor: AccessClaims, assignment_id: uuid.UUID
) -> AssignmentOut:
    assignment, staff = await followed_assignment(session, actor, assignment_id)
    return await describe(session, assignment, staff=staff)


async def put_accommodation(
    session: AsyncSession,
    actor: AccessClaims,
    assignment_id: uuid.UUID,
    learner_id: uuid.UUID,
    body: AccommodationIn,
    now: datetime,
) -> AccommodationOut:
    """Grant or replace one learner's accommodation; their running sitting gets the new deadline."""
    assignment = await session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound("No such assignment.")
    await taught_class(session, actor, assignment.class_id)
    if not await is_enrolled(session, assignment.class_id, learner_id):
        raise NotFound("No such learner in this class.", {"learner_id": str(learner_id)})
    if assignment.kind is AssignmentKind.HOMEWORK and body.opens_at:
        raise ValidationFailed("Homework has no opening time.", {"field": "opens_at"})
    accommodation = await session.merge(
        Accommodation(
            assignment_id=assignment.id,
            learner_id=learner_id,
            granted_by=actor.user_id,
            granted_at=now,
            **body.model_dump(),
        )
    )
    await _move_running_deadlines(session, assignment, accommodation, now)
    await session.commit()
    return AccommodationOut.model_validate(accommodation)


async def _move_running_deadlines(
    session: AsyncSession, assignment: Assignment, accommodation: Accommodation, now: datetime
) -> None:
    """Sittings still running (before their deadline, never reopened) follow the new terms.

    A sitting whose deadline already passed stays closed, and a reopened one keeps the deadline
    its teacher gave it.
    """
    reopened = select(SittingReopening.sitting_id)
    running = await session.scalars(
        select(ExamSitting)
        .where(
            ExamSitting.assignment_id == assignment.id,
            ExamSitting.learner_id == accommodation.learner_id,
            ExamSitting.ended_at.is_(None),
            (ExamSitting.deadline_at.is_(None)) | (ExamSitting.deadline_at > now),
            ExamSitting.id.not_in(reopened),
        )
        .with_for_update()
    )
    for sitting in running:
        sitting.deadline_at = deadline_for(assignment, accommodation, sitting.started_at)
